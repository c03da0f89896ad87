"""A test-only Lambda function for the local stack's tests: records what it receives."""
