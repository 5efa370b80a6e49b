import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  UserPool,
  UserPoolClient,
  type UserPoolClientProps,
  type UserPoolProps,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { ConfigError } from "../functions/errors.js";
import { DEFAULT_REMOVAL_POLICY } from "./secure-defaults.js";

export interface UploadAuthProps {
  /**
   * Issuer URL of an external OIDC provider (Auth0, Okta, Clerk, another Cognito pool…), e.g.
   * `https://example.eu.auth0.com/`. Requires `jwtAudience`; then no user pool is created.
   * @default - a Cognito user pool created here
   */
  readonly jwtIssuer?: string;
  /** Accepted `aud` (or Cognito `client_id`) values; only with `jwtIssuer`. @default - the created app client */
  readonly jwtAudience?: readonly string[];
  /** Overrides for the created user pool; an error together with `jwtIssuer`. @default - secure defaults only */
  readonly userPoolProps?: Partial<UserPoolProps>;
  /** Overrides for the created app client; an error together with `jwtIssuer`. @default - public client, SRP and password auth, no OAuth */
  readonly userPoolClientProps?: Partial<Omit<UserPoolClientProps, "userPool">>;
  /** @default RemovalPolicy.RETAIN (the pool holds your users' accounts) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Who may call the protected routes: a JWT authorizer trusting either a Cognito user pool and
 * app client created here (the default) or an external OIDC issuer and audience.
 */
export class UploadAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuer: string;
  readonly audience: string[];
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: UploadAuthProps = {}) {
    super(scope, id);
    const external = props.jwtIssuer !== undefined || props.jwtAudience !== undefined;
    if (external) {
      if (!props.jwtIssuer || !props.jwtAudience?.length) {
        throw new ConfigError("UploadAuth: jwtIssuer and jwtAudience go together; pass both or neither.");
      }
      if (props.userPoolProps || props.userPoolClientProps) {
        throw new ConfigError("UploadAuth: pass either jwtIssuer/jwtAudience or userPoolProps/userPoolClientProps, not both.");
      }
      if (!/^https:\/\/[^\s/]+/.test(props.jwtIssuer)) {
        throw new ConfigError(`UploadAuth: jwtIssuer must be an https URL, got ${JSON.stringify(props.jwtIssuer)}.`);
      }
      this.issuer = props.jwtIssuer;
      this.audience = [...props.jwtAudience];
    } else {
      const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
      this.userPool = new UserPool(this, "UserPool", {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        autoVerify: { email: true },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        mfa: Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        featurePlan: FeaturePlan.ESSENTIALS,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
        ...props.userPoolProps,
      });
      this.userPoolClient = this.userPool.addClient("WebClient", {
        generateSecret: false,
        authFlows: { userSrp: true, userPassword: true },
        disableOAuth: true,
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(30),
        ...props.userPoolClientProps,
      });
      this.issuer = this.userPool.userPoolProviderUrl;
      this.audience = [this.userPoolClient.userPoolClientId];
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions-COG2",
        reason:
          "MFA (TOTP) is offered but not required: the pool serves an app's end users, and whether they must enrol is the app owner's decision; set userPoolProps.mfa to Mfa.REQUIRED to require it.",
      });
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions-COG8",
        reason:
          "Threat protection needs the Cognito Plus feature plan, billed per monthly active user; the stack stays on Essentials and operators opt in with userPoolProps.featurePlan.",
      });
    }
    this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", this.issuer, { jwtAudience: this.audience });
  }
}
