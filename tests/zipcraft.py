"""Hostile ZIP archives made at test time (never stored in the repository): zip bombs of
any size in a second, entries marked encrypted or compressed with an unknown method,
damaged deflate data, entries whose directory lies about their size.

Used by the package importer's regression and fuzz tests and by ``benchmarks/packages.py
--bomb``."""

from __future__ import annotations

import struct
import zipfile
import zlib

_CHUNK = 1024 * 1024


def deflate_zeros(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes and its CRC-32, built from one
    compressed MiB repeated (a full flush resets the compressor, so the blocks are the
    same): 1.5 GiB takes about a second instead of half a minute."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(_CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, _CHUNK)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(bytes(rest)) + tail.flush()
    crc = 0
    zero = bytes(_CHUNK)
    for _ in range(whole):
        crc = zlib.crc32(zero, crc)
    crc = zlib.crc32(bytes(rest), crc)
    return block * whole + end, crc


def raw_zip(entries: list[dict]) -> bytes:
    """An archive of already compressed entries, each a dict: name, data (compressed),
    crc, size (uncompressed, as the directory says), method (8 deflate), flags."""
    out, central = bytearray(), bytearray()
    for e in entries:
        name = e["name"].encode()
        method, flags = e.get("method", zipfile.ZIP_DEFLATED), e.get("flags", 0)
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x21,
                           e["crc"], len(e["data"]), e["size"], len(name), 0) + name + e["data"]
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0,
                               0x21, e["crc"], len(e["data"]), e["size"], len(name), 0, 0, 0, 0,
                               0o644 << 16, offset) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def bomb(size: int, name: str = "cards.csv", *, declared: int | None = None) -> bytes:
    """A one-entry archive of ``size`` zeros; ``declared`` makes its directory lie."""
    data, crc = deflate_zeros(size)
    return raw_zip([{"name": name, "data": data, "crc": crc,
                     "size": size if declared is None else declared}])


def entries_of(archive: bytes) -> list[dict]:
    """The entries of a normal archive, compressed as they are, for ``raw_zip``."""
    import io

    result = []
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for info in z.infolist():
            start = info.header_offset
            name_len, extra_len = struct.unpack("<HH", archive[start + 26:start + 30])
            begin = start + 30 + name_len + extra_len
            result.append({"name": info.filename, "data": archive[begin:begin + info.compress_size],
                           "crc": info.CRC, "size": info.file_size,
                           "method": info.compress_type, "flags": 0})
    return result


def patched(archive: bytes, entry: str, **changes) -> bytes:
    """``archive`` with its entry ``entry`` changed (flags, method, data, crc, size, name)."""
    entries = entries_of(archive)
    for e in entries:
        if e["name"] == entry:
            e.update(changes)
    return raw_zip(entries)
