import { createIngressHandler, liveDeps } from '../lib/ingress/ingress-handler';

export const handler = createIngressHandler(liveDeps());
