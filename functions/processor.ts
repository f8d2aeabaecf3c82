import { createProcessorHandler, liveDeps } from '../lib/receipts/processor-handler';

export const handler = createProcessorHandler(liveDeps());
