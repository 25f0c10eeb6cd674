/**
 * How both Salesforce node types reach an org: the OAuth client (and, for the `password` grant, a
 * user) that a stored `salesforce` connection may supply, and the API version.
 */
import { type Static, Type } from '@sinclair/typebox';

/** The config fields a stored `salesforce` connection supplies. */
export const salesforceConnectionFields = [
  'loginUrl',
  'clientId',
  'clientSecret',
  'username',
  'password',
  'apiVersion',
] as const;

export const defaultLoginUrl = 'https://login.salesforce.com';
export const defaultApiVersion = '59.0';

/** The connection fields of a Salesforce node's config schema (spread into its `Type.Object`). */
export const connectionProperties = {
  loginUrl: Type.Optional(
    Type.String({
      format: 'uri',
      title: 'Login URL',
      default: defaultLoginUrl,
      description:
        'Where the OAuth token is asked for: https://login.salesforce.com, https://test.salesforce.com or a My Domain URL.',
    }),
  ),
  clientId: Type.String({ minLength: 1, title: 'Client ID', description: "The connected app's consumer key." }),
  clientSecret: Type.String({
    minLength: 1,
    writeOnly: true,
    title: 'Client secret',
    description: "The connected app's consumer secret.",
  }),
  username: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Username',
      description: 'With a password: the OAuth password grant as this user. Without: the client credentials grant.',
    }),
  ),
  password: Type.Optional(
    Type.String({
      minLength: 1,
      writeOnly: true,
      title: 'Password',
      description: "The user's password, followed by its security token when the org asks for one.",
    }),
  ),
  apiVersion: Type.Optional(Type.String({ pattern: '^\\d+\\.\\d$', title: 'API version', default: defaultApiVersion })),
};

const connectionSchema = Type.Object(connectionProperties);

/** A connection as a config holds it. */
export type SalesforceConnection = Static<typeof connectionSchema>;
