/**
 * Semantic-version precedence (semver.org §11) for versions that match the manifest's VERSION_RE:
 * numeric major.minor.patch, then a release above any of its pre-releases, pre-release fields
 * compared numerically when both are numbers, else in ASCII order. Build metadata is ignored.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = split(a)
  const [coreB, preB] = split(b)
  for (let i = 0; i < 3; i++) {
    const d = (coreA[i] ?? 0) - (coreB[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  if (preA.length === 0 || preB.length === 0) return preA.length === preB.length ? 0 : preA.length === 0 ? 1 : -1
  for (let i = 0; i < Math.max(preA.length, preB.length); i++) {
    const x = preA[i]
    const y = preB[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const nx = /^\d+$/.test(x)
    const ny = /^\d+$/.test(y)
    if (nx && ny) {
      const d = Number(x) - Number(y)
      if (d !== 0) return Math.sign(d)
    } else if (nx !== ny) {
      return nx ? -1 : 1
    } else if (x !== y) {
      return x < y ? -1 : 1
    }
  }
  return 0
}

function split(v: string): [number[], string[]] {
  const noBuild = v.split('+')[0] ?? ''
  const dash = noBuild.indexOf('-')
  const core = dash === -1 ? noBuild : noBuild.slice(0, dash)
  const pre = dash === -1 ? '' : noBuild.slice(dash + 1)
  return [core.split('.').map(Number), pre === '' ? [] : pre.split('.')]
}
