// When the AWS SDK finds no credentials, the error says where it looked, in the SDK's order, with the
// paths and profile that applied here, so the fix is obvious. It never prints a credential.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExecutorError } from '../../errors.ts';

/** The places the SDK's default chain looks for credentials, as they apply with `env`. */
export function credentialSources(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config');
  const profile = env.AWS_PROFILE ?? 'default';
  const imds = env.AWS_EC2_METADATA_DISABLED === 'true' ? ' (skipped: AWS_EC2_METADATA_DISABLED=true)' : '';
  return [
    'environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    `shared files ${credentialsFile} and ${configFile}, profile "${profile}" (static keys, SSO, credential_process)`,
    'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)',
    'ECS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)',
    `the EC2 instance metadata service${imds}`,
  ];
}

/** True for the SDK's "no provider gave credentials" error (and its relatives). */
export function isMissingCredentials(error: unknown): boolean {
  const named = error as { name?: unknown; message?: unknown };
  return (
    named?.name === 'CredentialsProviderError' ||
    /could not load credentials|credential is missing|unable to find.*credentials/i.test(
      String(named?.message),
    )
  );
}

export function missingCredentialsError(
  executor: string,
  error: unknown,
  env: NodeJS.ProcessEnv,
): ExecutorError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ExecutorError(
    `executor ${executor}: no AWS credentials found (${reason}); looked in: ${credentialSources(env).join('; ')}`,
    { executor },
    {
      cause: error,
      hint: 'set AWS_PROFILE to a profile of ~/.aws/config, run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    },
  );
}
