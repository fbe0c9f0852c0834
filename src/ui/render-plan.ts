import type {ActivationPlan} from '../core/activation/activation-plan.js'
import {type Exposure, exposureText} from '../core/unit/exposure.js'

/** The human form of `niso activate --dry-run`: what would be written, mounted, run and restarted. */
export function renderPlan(plan: ActivationPlan, exposure: Exposure): string {
  const out: string[] = [`Plan: activate ${plan.app} ${plan.version} as ${plan.unitName}`, '']
  out.push(`preset: ${plan.preset}`, `runtime: ${plan.runtime ?? 'none (compiled binary)'}`)
  out.push(`exposure: ${exposureText(exposure)}`)
  for (const r of plan.relaxations) out.push(`relaxation: ${r.directive}=${r.value} for ${r.by} (${r.reason})`)
  out.push('', `--- ${plan.unitName}`, plan.unitText.trimEnd())
  if (plan.health) {
    out.push(
      '',
      `--- health: ${plan.health.spec.probe.kind} every ${plan.health.spec.intervalMs / 1000}s, ${plan.health.spec.retries} retries`,
    )
    out.push(plan.health.timerText.trimEnd(), '', plan.health.serviceText.trimEnd())
  }
  out.push('', '--- rootfs')
  for (const d of plan.rootfs.dirs) out.push(`mkdir ${d.target}`)
  for (const f of plan.rootfs.files) out.push(`file ${f.target} (${f.content.length} bytes)`)
  for (const s of plan.rootfs.symlinks) out.push(`symlink ${s.target} -> ${s.linkTo}`)
  for (const b of plan.rootfs.binds)
    out.push(`bind-${b.readOnly ? 'ro' : 'rw'} ${b.source} -> ${b.target}${b.optional ? ' (if present)' : ''}`)
  const hooks = Object.entries(plan.hooks)
  out.push(
    '',
    '--- hooks',
    ...(hooks.length ? hooks.map(([k, v]) => `${k}: /app/${v} (inside the service's sandbox)`) : ['none']),
  )
  if (plan.network) {
    const n = plan.network
    out.push('', '--- network')
    out.push(`network ${n.network} (${n.subnet}): ${n.address} as ${n.hostname}.niso.local`)
    for (const p of n.ports) out.push(`port ${p}`)
  }
  out.push('', `would (re)start ${plan.unitName}`)
  return out.join('\n')
}
