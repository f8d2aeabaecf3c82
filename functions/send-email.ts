import { createSendEmailHandler, liveDeps } from '../lib/workflow/send-email-handler';

export const handler = createSendEmailHandler(liveDeps());
