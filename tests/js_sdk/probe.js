// Resolve a login profile with the AWS SDK for JavaScript v3 and call STS with it.
// Prints only a hash of the access key id: secrets stay out of test output.
const crypto = require("node:crypto");
const { fromLoginCredentials } = require("@aws-sdk/credential-provider-login");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

async function main() {
  const profile = process.argv[2];
  const provider = fromLoginCredentials({ profile });
  const credentials = await provider();
  const sts = new STSClient({ credentials, region: "us-east-1" });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  const keyHash = crypto.createHash("sha256").update(credentials.accessKeyId).digest("hex");
  console.log(JSON.stringify({ keyHash, arn: identity.Arn, account: identity.Account }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
