/** Structured JSON logs (Powertools Logger). Never log tokens or bodies. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'tributary' });
