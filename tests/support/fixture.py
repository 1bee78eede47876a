"""Fills a moto_server with a landing zone: an organization, its accounts, and IAM users with
access keys and virtual MFA devices. Reads a JSON request on stdin, prints what it made as JSON.

`--count` prints only how many AWS calls seeding makes, so a test can start moto_server with
INITIAL_NO_AUTH_ACTION_COUNT set to exactly that: after seeding, moto checks keys and policies.
"""
import json
import sys


def plan(request):
    calls = []
    if request.get("organization", True):
        calls.append(("organizations", "create_organization", {"FeatureSet": "ALL"}))
        for name in request.get("accounts", []):
            calls.append(("organizations", "create_account", {"AccountName": name, "Email": f"aws+{name}@example.com"}))
    for user in request.get("users", []):
        name = user["name"]
        # A user of a member account is made with that account's OrganizationAccountAccessRole.
        account = user.get("account")
        iam = "iam"
        if account:
            iam = f"iam@{account}"
            calls.append(("sts", "assume_role", {"account": account}))
        calls.append((iam, "create_user", {"UserName": name}))
        calls.append((iam, "create_access_key", {"UserName": name}))
        if user.get("mfa", True):
            calls.append((iam, "create_virtual_mfa_device", {"VirtualMFADeviceName": name}))
            calls.append((iam, "enable_mfa_device", {"UserName": name, "AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}))
        if "allow" in user:
            policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": user["allow"], "Resource": "*"}]}
            calls.append((iam, "put_user_policy", {"UserName": name, "PolicyName": "leverage-test", "PolicyDocument": json.dumps(policy)}))
    return calls


def main():
    request = json.load(sys.stdin)
    calls = plan(request)
    if "--count" in sys.argv:
        print(len(calls))
        return
    import boto3

    endpoint = request["endpoint"]
    session = boto3.session.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="x" * 40, region_name="us-east-1")
    clients = {name: session.client(name, endpoint_url=endpoint) for name in ("organizations", "iam", "sts")}
    result = {"accounts": {}, "users": {}}
    mfa_serial = None
    for service, operation, params in calls:
        if operation == "enable_mfa_device":
            params = dict(params, SerialNumber=mfa_serial)
        if operation == "assume_role":
            account = params["account"]
            role = f"arn:aws:iam::{result['accounts'][account]}:role/OrganizationAccountAccessRole"
            creds = clients["sts"].assume_role(RoleArn=role, RoleSessionName="fixture")["Credentials"]
            clients[f"iam@{account}"] = boto3.session.Session(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"], region_name="us-east-1").client("iam", endpoint_url=endpoint)
            continue
        response = getattr(clients[service], operation)(**params)
        if operation == "create_organization":
            result["management"] = response["Organization"]["MasterAccountId"]
        elif operation == "create_account":
            result["accounts"][params["AccountName"]] = response["CreateAccountStatus"]["AccountId"]
        elif operation == "create_access_key":
            key = response["AccessKey"]
            user = params["UserName"] + (service[3:] if service.startswith("iam@") else "")
            result["users"][user] = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}
        elif operation == "create_virtual_mfa_device":
            mfa_serial = response["VirtualMFADevice"]["SerialNumber"]
            user = params["VirtualMFADeviceName"] + (service[3:] if service.startswith("iam@") else "")
            result["users"][user]["mfa_serial"] = mfa_serial
    json.dump(result, sys.stdout)


main()
