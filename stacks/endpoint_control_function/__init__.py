"""The endpoint control function: pause, resume and auto-pause the endpoint through CloudFormation (boto3 only)."""
