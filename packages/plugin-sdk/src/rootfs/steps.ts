import * as v from 'valibot'

/**
 * Rootfs assembly steps a plugin may ask for. The host applies them; every target is a path inside
 * the service's rootfs and must stay there (no "..", absolute inside the rootfs).
 */
const rootPath = v.pipe(
  v.string(),
  v.startsWith('/', 'must be an absolute path inside the rootfs'),
  v.check((p) => !p.split('/').includes('..'), 'must not contain ".."'),
  v.check((p) => p !== '/', 'must not be the rootfs itself'),
)
const hostPath = v.pipe(
  v.string(),
  v.startsWith('/', 'must be an absolute host path'),
  v.check((p) => !p.split('/').includes('..'), 'must not contain ".."'),
)
const mode = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o7777))

export const RootfsStepSchema = v.variant('kind', [
  /** Bind a host path read-only at target (the runtime, its libraries, CA certificates). */
  v.strictObject({kind: v.literal('bind-ro'), host: hostPath, target: rootPath, optional: v.optional(v.boolean())}),
  /** Bind a host path read-write at target (volumes). */
  v.strictObject({kind: v.literal('bind-rw'), host: hostPath, target: rootPath, optional: v.optional(v.boolean())}),
  /** Create an empty directory (mount points, writable scratch). */
  v.strictObject({kind: v.literal('mkdir'), target: rootPath, mode: v.optional(mode)}),
  /** Write a small file (configuration, passwd entries). */
  v.strictObject({kind: v.literal('file'), target: rootPath, content: v.string(), mode: v.optional(mode)}),
  /** Create a symlink inside the rootfs; its target is resolved inside the rootfs. */
  v.strictObject({kind: v.literal('symlink'), target: rootPath, linkTo: v.string()}),
])
export type RootfsStep = v.InferOutput<typeof RootfsStepSchema>
