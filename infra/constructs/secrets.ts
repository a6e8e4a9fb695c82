import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface SecretsProps {
  /** Complete ARN of the user's HS256 secret. @default generated, unless `jwksUrl` is set */
  readonly jwtSecretArn?: string;
  /** With a JWKS URL there is no JWT secret at all. */
  readonly jwksUrl?: string;
}

/** The JWT signing secret (HS256 only) and the push API keys, in Secrets Manager. */
export class Secrets extends Construct {
  /** Absent when tokens are verified with a JWKS URL. */
  readonly jwtSecret?: ISecret;
  /** String value: the accepted push API keys, comma-separated (add one, deploy clients, drop the old one). */
  readonly apiKeys: Secret;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    if (props.jwtSecretArn) {
      this.jwtSecret = Secret.fromSecretCompleteArn(this, 'JwtSecret', props.jwtSecretArn);
    } else if (!props.jwksUrl) {
      this.jwtSecret = new Secret(this, 'JwtSecret', {
        description: 'edgeim: HS256 secret that signs client tokens',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    this.apiKeys = new Secret(this, 'ApiKeys', {
      description: 'edgeim: push API keys, comma-separated',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
