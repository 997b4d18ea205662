//! A small reader for little-endian ELF files, 32- and 64-bit: the header, program headers,
//! the dynamic section (through `PT_DYNAMIC`, as the loader reads it) and `.dynsym` with each
//! symbol's binding, type and section index. Enough for the Android link check and the AAR
//! test to judge a built library without binutils; nothing is written back.

/// `e_machine` values of the Android ABIs.
pub(crate) const EM_386: u16 = 3;
pub(crate) const EM_ARM: u16 = 40;
pub(crate) const EM_X86_64: u16 = 62;
pub(crate) const EM_AARCH64: u16 = 183;

pub(crate) const PT_LOAD: u32 = 1;
pub(crate) const PT_DYNAMIC: u32 = 2;

pub(crate) const DT_NULL: u64 = 0;
pub(crate) const DT_NEEDED: u64 = 1;
pub(crate) const DT_STRTAB: u64 = 5;
pub(crate) const DT_SONAME: u64 = 14;
pub(crate) const DT_TEXTREL: u64 = 22;
pub(crate) const DT_FLAGS: u64 = 30;
/// `DT_FLAGS` bit: the file has text relocations.
pub(crate) const DF_TEXTREL: u64 = 4;

pub(crate) const STB_GLOBAL: u8 = 1;
pub(crate) const STB_WEAK: u8 = 2;
/// `st_shndx` of an undefined symbol.
pub(crate) const SHN_UNDEF: u16 = 0;

const SHT_DYNSYM: u32 = 11;

/// One program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub kind: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub file_size: u64,
    pub align: u64,
}

/// One `.dynsym` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Symbol {
    pub name: String,
    /// `STB_*`.
    pub binding: u8,
    /// `STT_*`.
    pub kind: u8,
    /// `st_shndx`; `SHN_UNDEF` for a symbol another library must provide.
    pub section: u16,
}

impl Symbol {
    pub(crate) fn is_defined(&self) -> bool {
        self.section != SHN_UNDEF
    }
}

#[derive(Debug, Clone, Copy)]
struct Section {
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    entry_size: u64,
}

/// A parsed ELF image (borrowing the bytes).
#[derive(Debug)]
pub(crate) struct Elf<'a> {
    bytes: &'a [u8],
    /// ELFCLASS64.
    pub is_64: bool,
    /// `e_machine`.
    pub machine: u16,
    /// `e_type` (3 = shared object).
    pub kind: u16,
    pub segments: Vec<Segment>,
    sections: Vec<Section>,
}

/// Little-endian field reads that fail instead of panicking on a truncated file.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: u64) -> Result<[u8; N], String> {
        let start = usize::try_from(at).map_err(|_| "offset out of range".to_owned())?;
        self.0
            .get(start..start.saturating_add(N))
            .and_then(|slice| slice.try_into().ok())
            .ok_or_else(|| format!("truncated ELF: {N} bytes at {at:#x} are past the end"))
    }
    fn u8(&self, at: u64) -> Result<u8, String> {
        Ok(self.bytes::<1>(at)?[0])
    }
    fn u16(&self, at: u64) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.bytes(at)?))
    }
    fn u32(&self, at: u64) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes(at)?))
    }
    fn u64(&self, at: u64) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.bytes(at)?))
    }
    /// A word: 8 bytes in ELF64, 4 in ELF32.
    fn word(&self, at: u64, is_64: bool) -> Result<u64, String> {
        if is_64 { self.u64(at) } else { self.u32(at).map(u64::from) }
    }
}

impl<'a> Elf<'a> {
    /// Parses the header, program headers and section headers.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let r = Reader(bytes);
        if bytes.get(..4) != Some(b"\x7fELF".as_slice()) {
            return Err("not an ELF file (bad magic)".into());
        }
        let is_64 = match r.u8(4)? {
            1 => false,
            2 => true,
            other => return Err(format!("unknown ELF class {other}")),
        };
        if r.u8(5)? != 1 {
            return Err("not a little-endian ELF file".into());
        }
        let kind = r.u16(16)?;
        let machine = r.u16(18)?;
        let (phoff, shoff, sizes_at) = if is_64 {
            (r.u64(32)?, r.u64(40)?, 54)
        } else {
            (u64::from(r.u32(28)?), u64::from(r.u32(32)?), 42)
        };
        let phentsize = u64::from(r.u16(sizes_at)?);
        let phnum = u64::from(r.u16(sizes_at + 2)?);
        let shentsize = u64::from(r.u16(sizes_at + 4)?);
        let shnum = u64::from(r.u16(sizes_at + 6)?);

        let mut segments = Vec::new();
        for index in 0..phnum {
            let at = phoff + index * phentsize;
            segments.push(if is_64 {
                Segment {
                    kind: r.u32(at)?,
                    offset: r.u64(at + 8)?,
                    vaddr: r.u64(at + 16)?,
                    file_size: r.u64(at + 32)?,
                    align: r.u64(at + 48)?,
                }
            } else {
                Segment {
                    kind: r.u32(at)?,
                    offset: u64::from(r.u32(at + 4)?),
                    vaddr: u64::from(r.u32(at + 8)?),
                    file_size: u64::from(r.u32(at + 16)?),
                    align: u64::from(r.u32(at + 28)?),
                }
            });
        }
        let mut sections = Vec::new();
        for index in 0..shnum {
            let at = shoff + index * shentsize;
            sections.push(if is_64 {
                Section {
                    kind: r.u32(at + 4)?,
                    offset: r.u64(at + 24)?,
                    size: r.u64(at + 32)?,
                    link: r.u32(at + 40)?,
                    entry_size: r.u64(at + 56)?,
                }
            } else {
                Section {
                    kind: r.u32(at + 4)?,
                    offset: u64::from(r.u32(at + 16)?),
                    size: u64::from(r.u32(at + 20)?),
                    link: r.u32(at + 24)?,
                    entry_size: u64::from(r.u32(at + 36)?),
                }
            });
        }
        Ok(Self { bytes, is_64, machine, kind, segments, sections })
    }

    /// `(d_tag, d_val)` pairs of the `PT_DYNAMIC` segment, up to `DT_NULL`; empty without one.
    pub(crate) fn dynamic(&self) -> Result<Vec<(u64, u64)>, String> {
        let Some(segment) = self.segments.iter().find(|segment| segment.kind == PT_DYNAMIC) else {
            return Ok(Vec::new());
        };
        let r = Reader(self.bytes);
        let entry = if self.is_64 { 16 } else { 8 };
        let half = entry / 2;
        let mut entries = Vec::new();
        let mut at = segment.offset;
        while at + entry <= segment.offset + segment.file_size {
            let tag = r.word(at, self.is_64)?;
            if tag == DT_NULL {
                break;
            }
            entries.push((tag, r.word(at + half, self.is_64)?));
            at += entry;
        }
        Ok(entries)
    }

    /// The `DT_NEEDED` names, in order (strings from `DT_STRTAB`, mapped through `PT_LOAD`).
    pub(crate) fn needed(&self) -> Result<Vec<String>, String> {
        self.dynamic_strings(DT_NEEDED)
    }

    /// The `DT_SONAME`, if the file has one.
    pub(crate) fn soname(&self) -> Result<Option<String>, String> {
        Ok(self.dynamic_strings(DT_SONAME)?.into_iter().next())
    }

    /// The strings of every `tag` entry of the dynamic section, in order.
    fn dynamic_strings(&self, tag: u64) -> Result<Vec<String>, String> {
        let dynamic = self.dynamic()?;
        let Some(&(_, strtab)) = dynamic.iter().find(|(tag, _)| *tag == DT_STRTAB) else {
            return if dynamic.iter().any(|(found, _)| *found == tag) {
                Err(format!("dynamic tag {tag} without DT_STRTAB"))
            } else {
                Ok(Vec::new())
            };
        };
        let strings = self.file_offset(strtab)?;
        dynamic
            .iter()
            .filter(|(found, _)| *found == tag)
            .map(|(_, name)| self.string_at(strings + name))
            .collect()
    }

    /// Every `.dynsym` entry after the null one; an error if the file has no `.dynsym`.
    pub(crate) fn dynamic_symbols(&self) -> Result<Vec<Symbol>, String> {
        let table = self
            .sections
            .iter()
            .find(|section| section.kind == SHT_DYNSYM)
            .ok_or("no .dynsym section (not a dynamic library?)")?;
        let strings = usize::try_from(table.link)
            .ok()
            .and_then(|index| self.sections.get(index))
            .ok_or(".dynsym links to a missing string table")?;
        let entry = if self.is_64 { 24 } else { 16 };
        if table.entry_size != entry {
            return Err(format!(".dynsym entry size {} (expected {entry})", table.entry_size));
        }
        let r = Reader(self.bytes);
        let mut symbols = Vec::new();
        for index in 1..table.size / entry {
            let at = table.offset + index * entry;
            let name = u64::from(r.u32(at)?);
            let (info, section) =
                if self.is_64 { (r.u8(at + 4)?, r.u16(at + 6)?) } else { (r.u8(at + 12)?, r.u16(at + 14)?) };
            if name >= strings.size {
                return Err(format!("symbol {index}'s name is outside its string table"));
            }
            symbols.push(Symbol {
                name: self.string_at(strings.offset + name)?,
                binding: info >> 4,
                kind: info & 0xf,
                section,
            });
        }
        Ok(symbols)
    }

    /// The file offset of a virtual address, through the `PT_LOAD` segment that maps it.
    fn file_offset(&self, vaddr: u64) -> Result<u64, String> {
        self.segments
            .iter()
            .filter(|segment| segment.kind == PT_LOAD)
            .find(|segment| vaddr >= segment.vaddr && vaddr < segment.vaddr + segment.file_size)
            .map(|segment| vaddr - segment.vaddr + segment.offset)
            .ok_or_else(|| format!("address {vaddr:#x} is in no PT_LOAD segment"))
    }

    fn string_at(&self, at: u64) -> Result<String, String> {
        let start = usize::try_from(at).map_err(|_| "string offset out of range".to_owned())?;
        let tail = self.bytes.get(start..).ok_or_else(|| format!("string at {at:#x} is past the end"))?;
        let end = tail.iter().position(|&byte| byte == 0).ok_or("unterminated string")?;
        Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
    }
}

/// Builds small synthetic shared objects for tests: right ones, and deliberately wrong ones
/// (a 4 KiB `PT_LOAD`, a `DT_TEXTREL`, an unknown `DT_NEEDED`, a strong newer symbol).
#[cfg(test)]
pub(crate) mod testing {
    /// What goes into a synthetic ELF.
    #[derive(Debug, Clone)]
    pub(crate) struct Spec {
        pub is_64: bool,
        pub machine: u16,
        /// One `PT_LOAD` per entry, with this `p_align`; each maps the whole file at address 0.
        pub load_aligns: Vec<u64>,
        pub needed: Vec<String>,
        pub soname: Option<String>,
        /// Extra dynamic entries (besides `DT_NEEDED` and `DT_STRTAB`).
        pub dynamic: Vec<(u64, u64)>,
        /// `(name, binding, type, section index)`.
        pub symbols: Vec<(String, u8, u8, u16)>,
    }

    impl Spec {
        /// A clean arm64 library: 16 KiB segments, libc only, one export, one old import.
        pub(crate) fn good() -> Self {
            Self {
                is_64: true,
                machine: super::EM_AARCH64,
                load_aligns: vec![16384, 16384],
                needed: vec!["libc.so".into()],
                soname: Some("libcairn_ffi.so".into()),
                dynamic: Vec::new(),
                symbols: vec![
                    ("uniffi_cairn_ffi_fn_func_version".into(), super::STB_GLOBAL, 2, 9),
                    ("malloc".into(), super::STB_GLOBAL, 2, 0),
                ],
            }
        }
    }

    fn put(out: &mut Vec<u8>, value: u64, width: usize) {
        out.extend_from_slice(&value.to_le_bytes()[..width]);
    }

    /// The image: header, program headers, .dynstr, .dynsym, .dynamic, .shstrtab, section headers.
    pub(crate) fn build(spec: &Spec) -> Vec<u8> {
        let w = if spec.is_64 { 8 } else { 4 };
        let (ehsize, phentsize, shentsize, symsize) =
            if spec.is_64 { (64, 56, 64, 24) } else { (52, 32, 40, 16) };
        let phnum = spec.load_aligns.len() + 1;

        let mut dynstr = vec![0u8];
        let mut name_of = |name: &str| {
            let at = dynstr.len() as u64;
            dynstr.extend_from_slice(name.as_bytes());
            dynstr.push(0);
            at
        };
        let needed: Vec<u64> = spec.needed.iter().map(|name| name_of(name)).collect();
        let soname = spec.soname.as_deref().map(&mut name_of);
        let symbol_names: Vec<u64> = spec.symbols.iter().map(|s| name_of(&s.0)).collect();

        let dynstr_at = (ehsize + phnum * phentsize) as u64;
        let dynsym_at = (dynstr_at + dynstr.len() as u64).next_multiple_of(8);
        let dynsym_size = ((spec.symbols.len() + 1) * symsize) as u64;
        let dynamic_at = dynsym_at + dynsym_size;
        let mut entries: Vec<(u64, u64)> = needed.iter().map(|&at| (super::DT_NEEDED, at)).collect();
        entries.extend(soname.map(|at| (super::DT_SONAME, at)));
        entries.push((super::DT_STRTAB, dynstr_at));
        entries.extend(&spec.dynamic);
        entries.push((super::DT_NULL, 0));
        let dynamic_size = (entries.len() * 2 * w) as u64;
        let shstrtab = b"\0.dynstr\0.dynsym\0.dynamic\0.shstrtab\0";
        let shstrtab_at = dynamic_at + dynamic_size;
        let shoff = (shstrtab_at + shstrtab.len() as u64).next_multiple_of(8);
        let file_size = shoff + 5 * shentsize as u64;

        let mut out = b"\x7fELF".to_vec();
        out.extend([if spec.is_64 { 2 } else { 1 }, 1, 1]);
        out.resize(16, 0);
        put(&mut out, 3, 2); // ET_DYN
        put(&mut out, u64::from(spec.machine), 2);
        put(&mut out, 1, 4);
        put(&mut out, 0, w); // entry
        put(&mut out, ehsize as u64, w); // phoff
        put(&mut out, shoff, w);
        put(&mut out, 0, 4); // flags
        for value in [ehsize, phentsize, phnum, shentsize, 5, 4] {
            put(&mut out, value as u64, 2);
        }
        let phdr = |out: &mut Vec<u8>, kind: u64, offset: u64, size: u64, align: u64| {
            put(out, kind, 4);
            if spec.is_64 {
                put(out, 4, 4); // flags: R
            }
            for value in [offset, offset, offset, size, size] {
                put(out, value, w); // offset, vaddr, paddr, filesz, memsz
            }
            if !spec.is_64 {
                put(out, 4, 4);
            }
            put(out, align, w);
        };
        for &align in &spec.load_aligns {
            phdr(&mut out, u64::from(super::PT_LOAD), 0, file_size, align);
        }
        phdr(&mut out, u64::from(super::PT_DYNAMIC), dynamic_at, dynamic_size, 8);
        out.extend(&dynstr);
        out.resize(dynsym_at as usize, 0);
        out.resize(out.len() + symsize, 0); // the null symbol
        for ((_, binding, kind, section), &name) in spec.symbols.iter().zip(&symbol_names) {
            put(&mut out, name, 4);
            let info = (binding << 4) | kind;
            if spec.is_64 {
                out.extend([info, 0]);
                put(&mut out, u64::from(*section), 2);
                put(&mut out, 0x1000, 8);
                put(&mut out, 0, 8);
            } else {
                put(&mut out, 0x1000, 4);
                put(&mut out, 0, 4);
                out.extend([info, 0]);
                put(&mut out, u64::from(*section), 2);
            }
        }
        for (tag, value) in entries {
            put(&mut out, tag, w);
            put(&mut out, value, w);
        }
        out.extend(shstrtab);
        out.resize(shoff as usize, 0);
        // (name, type, offset, size, link, entsize)
        let headers = [
            (0, 0, 0, 0, 0, 0),
            (1, 3, dynstr_at, dynstr.len() as u64, 0, 0),
            (9, 11, dynsym_at, dynsym_size, 1, symsize as u64),
            (17, 6, dynamic_at, dynamic_size, 1, 2 * w as u64),
            (26, 3, shstrtab_at, shstrtab.len() as u64, 0, 0),
        ];
        for (name, kind, offset, size, link, entsize) in headers {
            put(&mut out, name, 4);
            put(&mut out, kind, 4);
            put(&mut out, 0, w); // flags
            put(&mut out, offset, w); // addr
            put(&mut out, offset, w);
            put(&mut out, size, w);
            put(&mut out, link, 4);
            put(&mut out, 0, 4); // info
            put(&mut out, 1, w); // addralign
            put(&mut out, entsize, w);
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::testing::{Spec, build};
    use super::*;

    #[test]
    fn reads_back_what_the_builder_wrote_in_both_classes() {
        for is_64 in [true, false] {
            let spec = Spec {
                is_64,
                machine: if is_64 { EM_AARCH64 } else { EM_ARM },
                load_aligns: vec![4096, 16384],
                needed: vec!["libm.so".into(), "libc.so".into()],
                soname: Some("libx.so".into()),
                dynamic: vec![(DT_FLAGS, DF_TEXTREL)],
                symbols: vec![
                    ("ffi_cairn_ffi_rustbuffer_free".into(), STB_GLOBAL, 2, 7),
                    ("getrandom".into(), STB_WEAK, 2, SHN_UNDEF),
                ],
            };
            let image = build(&spec);
            let elf = Elf::parse(&image).unwrap();
            assert_eq!((elf.is_64, elf.machine, elf.kind), (is_64, spec.machine, 3));
            let loads: Vec<u64> =
                elf.segments.iter().filter(|s| s.kind == PT_LOAD).map(|s| s.align).collect();
            assert_eq!(loads, [4096, 16384]);
            assert_eq!(elf.needed().unwrap(), ["libm.so", "libc.so"]);
            assert_eq!(elf.soname().unwrap().as_deref(), Some("libx.so"));
            assert!(elf.dynamic().unwrap().contains(&(DT_FLAGS, DF_TEXTREL)));
            let symbols = elf.dynamic_symbols().unwrap();
            assert_eq!(symbols.len(), 2);
            assert_eq!(symbols[0].name, "ffi_cairn_ffi_rustbuffer_free");
            assert!(symbols[0].is_defined() && symbols[0].binding == STB_GLOBAL && symbols[0].kind == 2);
            assert_eq!((symbols[1].name.as_str(), symbols[1].binding), ("getrandom", STB_WEAK));
            assert!(!symbols[1].is_defined());
        }
    }

    #[test]
    fn malformed_files_are_errors_not_panics() {
        assert!(Elf::parse(b"MZ\x90\x00").unwrap_err().contains("magic"));
        let image = build(&Spec::good());
        let mut big_endian = image.clone();
        big_endian[5] = 2;
        assert!(Elf::parse(&big_endian).unwrap_err().contains("little-endian"));
        // The section header table ends the file: any truncation must be refused, not panic.
        for cut in 0..image.len() {
            assert!(Elf::parse(&image[..cut]).is_err(), "truncated at {cut}");
        }
        let no_sections = {
            let mut copy = image.clone();
            copy[60] = 0; // e_shnum = 0
            copy
        };
        assert!(Elf::parse(&no_sections).unwrap().dynamic_symbols().unwrap_err().contains(".dynsym"));
    }

    #[test]
    fn a_needed_string_outside_every_load_segment_is_an_error() {
        let mut spec = Spec::good();
        spec.dynamic.push((DT_STRTAB, 0x7000_0000)); // a second, bogus DT_STRTAB is ignored
        assert_eq!(Elf::parse(&build(&spec)).unwrap().needed().unwrap(), ["libc.so"]);
        spec.load_aligns.clear();
        assert!(Elf::parse(&build(&spec)).unwrap().needed().unwrap_err().contains("PT_LOAD"));
    }
}
