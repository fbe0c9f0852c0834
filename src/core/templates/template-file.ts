export interface TemplateFile {
  readonly path: string
  readonly content: string
  readonly mode: number
  /** manifest.toml and .nisoignore belong to niso; samples are the user's and are never replaced. */
  readonly role: 'manifest' | 'ignore' | 'sample'
}

/** The .nisoignore every template starts from. */
export function commonIgnore(extra: string): string {
  return `# .nisoignore: what \`niso pack\` leaves out (same syntax as .gitignore).
# A path listed in [copy].include of manifest.toml is packed even when it is ignored here.
.git/
.env
.env.*
*.log
*.niso
niso-signing.key
${extra}`
}
