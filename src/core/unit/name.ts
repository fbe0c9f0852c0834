/**
 * The systemd names of an app's units. A scoped package name ("@acme/api") has no "@" or "/" in
 * its unit name ("@" would make a template, "/" is not allowed): niso-acme-api.service.
 */
export function unitBaseName(app: string): string {
  return `niso-${app.replace(/^@/, '').replaceAll('/', '-')}`
}

export function unitNameFor(app: string): string {
  return `${unitBaseName(app)}.service`
}
