import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { boundedClientOptions, type BoundedClientOptions } from '../shared/aws-clients';

/**
 * The DynamoDB document client every function that uses the deliveries table uses: bounded like
 * {@link boundedClientOptions}, and optional attributes that are `undefined` are left out of an item rather
 * than rejected.
 *
 * A module of its own, away from the other clients of `lib/shared/aws-clients.ts`: `@aws-sdk/lib-dynamodb`'s
 * modules have top-level effects, so a bundle that imports this file carries both DynamoDB packages (about
 * 50 KiB minified) whether or not it creates the client. The ingress, which never touches the table, does
 * not import it.
 *
 * @example
 * const repository = createDeliveryRepository(createDocumentClient(), config.deliveriesTable);
 */
export function createDocumentClient(
  options: BoundedClientOptions = boundedClientOptions(),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
