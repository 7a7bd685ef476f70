/** The status of every API error code: the shared table in the client package's protocol module. */
export { STATUS_BY_CODE } from '../../packages/client/src/protocol/error-codes';
