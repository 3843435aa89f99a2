"""Activity of alumni combined into each one's likelihood of taking the comeback-hiring exam."""
