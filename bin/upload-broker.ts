#!/usr/bin/env node
/**
 * The CDK app (`cdk.json` runs it with tsx). It reads the context keys documented in
 * `lib/app-context.ts`, builds one `UploadBrokerStack`, and runs the cdk-nag AwsSolutions
 * checks on it. It creates no resources itself.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ConfigError } from "../functions/errors.js";
import { stackPropsFromContext } from "../lib/app-context.js";
import { UploadBrokerStack } from "../lib/upload-broker-stack.js";

const app = new App();
try {
  const { stackName, props } = stackPropsFromContext(app.node);
  new UploadBrokerStack(app, stackName, props);
} catch (error) {
  // A configuration mistake deserves its message, not a stack trace through CDK internals.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`upload-broker: ${error.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
