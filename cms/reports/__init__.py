"""HR's figures for the contract: the dashboard, the monthly report and the completion report."""
