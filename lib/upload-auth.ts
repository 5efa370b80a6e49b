import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  type IUserPool,
  type IUserPoolClient,
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
  /**
   * A Cognito user pool of yours (e.g. `UserPool.fromUserPoolId(this, "Pool", "eu-west-1_abc")`):
   * tokens it issues (`https://cognito-idp.<region>.amazonaws.com/<poolId>`) for one of
   * `existingUserPoolClients` are accepted, and no pool is created. Requires `existingUserPoolClients`.
   * @default - a Cognito user pool created here
   */
  readonly existingUserPool?: IUserPool;
  /** The app clients of `existingUserPool` whose tokens are accepted (their ids are the JWT audience). */
  readonly existingUserPoolClients?: readonly IUserPoolClient[];
  /** Overrides for the created user pool; an error together with `jwtIssuer`. @default - secure defaults only */
  readonly userPoolProps?: Partial<UserPoolProps>;
  /** Overrides for the created app client; an error together with `jwtIssuer`. @default - public client, SRP and password auth, no OAuth */
  readonly userPoolClientProps?: Partial<Omit<UserPoolClientProps, "userPool">>;
  /** @default RemovalPolicy.RETAIN (the pool holds your users' accounts) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Who may call the protected routes: a JWT authorizer trusting a Cognito user pool and app
 * client created here (the default), a user pool of yours and its app clients, or an external
 * OIDC issuer and audience.
 */
export class UploadAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuer: string;
  readonly audience: string[];
  /** The pool whose tokens are accepted: created here or `existingUserPool`; none with an external issuer. */
  readonly userPool?: IUserPool;
  /** The app client created here (none with `existingUserPool` or an external issuer). */
  readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: UploadAuthProps = {}) {
    super(scope, id);
    const external = props.jwtIssuer !== undefined || props.jwtAudience !== undefined;
    const existing = props.existingUserPool !== undefined || props.existingUserPoolClients !== undefined;
    if (existing) {
      if (!props.existingUserPool || !props.existingUserPoolClients?.length) {
        throw new ConfigError("UploadAuth: existingUserPool needs existingUserPoolClients (the app clients whose tokens are accepted); pass both or neither.");
      }
      if (external || props.userPoolProps || props.userPoolClientProps) {
        throw new ConfigError("UploadAuth: pass existingUserPool with existingUserPoolClients alone, not with jwtIssuer/jwtAudience or userPoolProps/userPoolClientProps.");
      }
      this.userPool = props.existingUserPool;
      // Cognito's issuer; the provider name is `cognito-idp.<region>.amazonaws.com/<poolId>`.
      this.issuer = `https://${props.existingUserPool.userPoolProviderName}`;
      this.audience = props.existingUserPoolClients.map((client) => client.userPoolClientId);
    } else if (external) {
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
      const userPool = new UserPool(this, "UserPool", {
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
      this.userPool = userPool;
      this.userPoolClient = userPool.addClient("WebClient", {
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
      this.issuer = userPool.userPoolProviderUrl;
      this.audience = [this.userPoolClient.userPoolClientId];
      Validations.of(userPool).acknowledge({
        id: "AwsSolutions-COG2",
        reason:
          "MFA (TOTP) is offered but not required: the pool serves an app's end users, and whether they must enrol is the app owner's decision; set userPoolProps.mfa to Mfa.REQUIRED to require it.",
      });
      Validations.of(userPool).acknowledge({
        id: "AwsSolutions-COG8",
        reason:
          "Threat protection needs the Cognito Plus feature plan, billed per monthly active user; the stack stays on Essentials and operators opt in with userPoolProps.featurePlan.",
      });
    }
    this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", this.issuer, { jwtAudience: this.audience });
  }
}
