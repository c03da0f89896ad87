"""``functions/connection_check``: shop accounts, connection checks and discovery."""
