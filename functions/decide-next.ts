import { createDecideNextHandler, liveDeps } from '../lib/workflow/decide-next-handler';

export const handler = createDecideNextHandler(liveDeps());
