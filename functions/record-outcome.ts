import { createRecordOutcomeHandler, liveDeps } from '../lib/workflow/record-outcome-handler';

export const handler = createRecordOutcomeHandler(liveDeps());
