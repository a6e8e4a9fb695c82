import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SecretsProps {
  /** Complete ARN of the user's HS256 secret. @default generated, unless `jwksUrl` is set */
  readonly jwtSecretArn?: string;
  /** With a JWKS URL there is no JWT secret at all. */
  readonly jwksUrl?: string;
  /** Create the gateway internal API's credential (only with a gateway). */
  readonly gateway: boolean;
  readonly removalPolicy: RemovalPolicy;
}

const NO_ROTATION =
  'Rotated by hand (docs/DEPLOY.md, "Secrets"): readers cache the value for minutes and pick up a new one without a deploy; a rotation Lambda would add a moving part for a secret with no expiry requirement.';

/**
 * The JWT signing secret (HS256 only), the push API keys and the gateway internal API's
 * credential, in Secrets Manager (encrypted with the account's `aws/secretsmanager` key).
 */
export class Secrets extends Construct {
  /** Absent when tokens are verified with a JWKS URL. */
  readonly jwtSecret?: ISecret;
  /** String value: the accepted push API keys, comma-separated (add one, deploy clients, drop the old one). */
  readonly apiKeys: Secret;
  /**
   * String value: the credential of the gateway tasks' internal API (≥ 32 characters),
   * read by the tasks, the fan-out job and the push API. Absent without a gateway.
   */
  readonly gatewaySecret?: Secret;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    if (props.jwtSecretArn) {
      this.jwtSecret = Secret.fromSecretCompleteArn(this, 'JwtSecret', props.jwtSecretArn);
    } else if (!props.jwksUrl) {
      const jwt = new Secret(this, 'JwtSecret', {
        description: 'edgeim: HS256 secret that signs client tokens',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: props.removalPolicy,
      });
      Validations.of(jwt).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION });
      this.jwtSecret = jwt;
    }
    this.apiKeys = new Secret(this, 'ApiKeys', {
      description: 'edgeim: push API keys, comma-separated',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.apiKeys).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION });
    if (props.gateway) {
      this.gatewaySecret = new Secret(this, 'GatewaySecret', {
        description: 'edgeim: credential of the gateway tasks\' internal @connections API',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(this.gatewaySecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION });
    }
  }
}
