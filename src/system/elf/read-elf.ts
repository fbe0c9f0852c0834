import fs from 'node:fs'

/**
 * The dynamic-linking facts of an ELF file, read from its program headers and dynamic section
 * without running anything (unlike ldd, which executes the file's own loader).
 */
export interface ElfInfo {
  readonly bits: 32 | 64
  readonly littleEndian: boolean
  /** e_machine (62 = x86-64, 183 = AArch64, 3 = i386). */
  readonly machine: number
  /** PT_INTERP: the dynamic loader, absent for static binaries and most libraries. */
  readonly interpreter: string | undefined
  readonly needed: readonly string[]
  readonly soname: string | undefined
  readonly rpath: readonly string[]
  readonly runpath: readonly string[]
  /** True when the file has a dynamic section (a dynamic executable or a shared library). */
  readonly dynamic: boolean
}

const PT_LOAD = 1
const PT_DYNAMIC = 2
const PT_INTERP = 3
const DT_NEEDED = 1
const DT_STRTAB = 5
const DT_STRSZ = 10
const DT_SONAME = 14
const DT_RPATH = 15
const DT_RUNPATH = 29

interface Segment {
  type: number
  offset: number
  vaddr: number
  filesz: number
}

/**
 * Reads the ELF facts of `file`, or undefined when it is not an ELF file (scripts, data).
 * Synchronous: a closure reads a few small pieces of dozens of files, and an await per piece
 * costs more than the read itself.
 */
export function readElf(file: string): ElfInfo | undefined {
  const fd = fs.openSync(file, 'r')
  try {
    const head = readAt(fd, 0, 64)
    if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined
    const bits = head[4] === 2 ? 64 : head[4] === 1 ? 32 : undefined
    const le = head[5] === 1 ? true : head[5] === 2 ? false : undefined
    if (bits === undefined || le === undefined) return undefined
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o))
    const word = bits === 64 ? u64 : u32
    const machine = u16(head, 18)
    const phoff = bits === 64 ? u64(head, 32) : u32(head, 28)
    const phentsize = u16(head, bits === 64 ? 54 : 42)
    const phnum = u16(head, bits === 64 ? 56 : 44)
    if (phnum === 0 || phentsize < (bits === 64 ? 56 : 32)) {
      return {
        bits,
        littleEndian: le,
        machine,
        interpreter: undefined,
        needed: [],
        soname: undefined,
        rpath: [],
        runpath: [],
        dynamic: false,
      }
    }
    const ph = readAt(fd, phoff, phentsize * phnum)
    const segments: Segment[] = []
    for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.length; i++) {
      const o = i * phentsize
      segments.push(
        bits === 64
          ? {type: u32(ph, o), offset: u64(ph, o + 8), vaddr: u64(ph, o + 16), filesz: u64(ph, o + 32)}
          : {type: u32(ph, o), offset: u32(ph, o + 4), vaddr: u32(ph, o + 8), filesz: u32(ph, o + 16)},
      )
    }
    const interp = segments.find((s) => s.type === PT_INTERP)
    const interpreter = interp ? cString(readAt(fd, interp.offset, interp.filesz), 0) : undefined
    const dyn = segments.find((s) => s.type === PT_DYNAMIC)
    if (!dyn) {
      return {
        bits,
        littleEndian: le,
        machine,
        interpreter,
        needed: [],
        soname: undefined,
        rpath: [],
        runpath: [],
        dynamic: false,
      }
    }
    const entries: [number, number][] = []
    const d = readAt(fd, dyn.offset, dyn.filesz)
    const size = bits === 64 ? 16 : 8
    for (let o = 0; o + size <= d.length; o += size) {
      const tag = word(d, o)
      if (tag === 0) break
      entries.push([tag, word(d, o + size / 2)])
    }
    const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1]
    const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1] ?? 0
    const strtabOff = strtabAddr === undefined ? undefined : vaddrToOffset(segments, strtabAddr)
    // Only the few strings the entries name are read: a program exporting many symbols (node)
    // has a string table of megabytes.
    const str = (off: number) => (strtabOff === undefined ? '' : readCString(fd, strtabOff + off, strtabOff + strsz))
    const all = (tag: number) => entries.filter(([t]) => t === tag).map(([, val]) => str(val))
    const paths = (tag: number) => all(tag).flatMap((s) => s.split(':').filter((p) => p !== ''))
    return {
      bits,
      littleEndian: le,
      machine,
      interpreter,
      needed: all(DT_NEEDED),
      soname: all(DT_SONAME)[0],
      rpath: paths(DT_RPATH),
      runpath: paths(DT_RUNPATH),
      dynamic: true,
    }
  } finally {
    fs.closeSync(fd)
  }
}

function vaddrToOffset(segments: readonly Segment[], addr: number): number | undefined {
  const load = segments.find((s) => s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz)
  return load ? addr - load.vaddr + load.offset : undefined
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, Math.min(length, 64 * 1024 * 1024)))
  const bytesRead = fs.readSync(fd, buf, 0, buf.length, position)
  return buf.subarray(0, bytesRead)
}

/** The NUL-terminated string at `start`, read in small pieces, never past `end`. */
function readCString(fd: number, start: number, end: number): string {
  const parts: Buffer[] = []
  for (let at = start, chunk = 256; at < end; at += chunk, chunk *= 2) {
    const piece = readAt(fd, at, Math.min(chunk, end - at))
    const nul = piece.indexOf(0)
    if (nul !== -1 || piece.length === 0) {
      parts.push(nul === -1 ? piece : piece.subarray(0, nul))
      break
    }
    parts.push(piece)
  }
  return Buffer.concat(parts).toString('utf8')
}

function cString(buf: Buffer, offset: number): string {
  const end = buf.indexOf(0, offset)
  return buf.toString('utf8', offset, end === -1 ? buf.length : end)
}
