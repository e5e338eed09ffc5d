/** The engine's own version, as `/version` reports it. */
export const ENGINE_VERSION = '0.1.0';
