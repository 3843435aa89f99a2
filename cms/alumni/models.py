"""Former staff: roster, eligibility, invitations, registration, login, profile, privacy rights."""
