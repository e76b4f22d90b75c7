// The one error of the model layer: a cluster, expect or pods file (or a flag) that cannot be
// used, with a one-line message naming the file and the field. The command line maps it to exit 2.
export class ModelError extends Error {}
