/**
 * Whether a DynamoDB write was refused because its `ConditionExpression` did not hold: DynamoDB answers
 * a failed condition with `ConditionalCheckFailedException`. The repositories' idempotent writes treat
 * that answer as an expected outcome, not as a failure.
 *
 * Checked by name, on any object: the error may come from another copy of the SDK (bundles, the local
 * stack), so `instanceof ConditionalCheckFailedException` would miss it.
 *
 * @example
 * try {
 *   await documents.send(new PutCommand({ TableName, Item, ConditionExpression: 'attribute_not_exists(PK)' }));
 * } catch (error) {
 *   if (!isConditionalCheckFailed(error)) throw error;
 *   // The item already exists.
 * }
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}
