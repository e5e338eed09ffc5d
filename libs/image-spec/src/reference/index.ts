export { parseReference, Reference, type ReferenceParts, withDefaultTag } from './reference.js';
