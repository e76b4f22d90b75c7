// The version every document and `--version` report (kept equal to package.json's).
export const TOOL_VERSION = '0.1.0';
