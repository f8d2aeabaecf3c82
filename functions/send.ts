import { createSendHandler, liveDeps } from '../lib/delivery/send-handler';

export const handler = createSendHandler(liveDeps());
