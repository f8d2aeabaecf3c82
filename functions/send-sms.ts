import { createSendSmsHandler, liveDeps } from '../lib/workflow/send-sms-handler';

export const handler = createSendSmsHandler(liveDeps());
