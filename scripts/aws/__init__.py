"""What every command needs of AWS: the session and its region, error codes, stack outputs, the CDK CLI."""
