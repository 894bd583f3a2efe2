"""Instances of the standard-library extension modules' C types with Py_TPFLAGS_HAVE_GC
(all but _asyncio, _io, _functools, _collections, itertools and _operator), for stdlib_types.py."""
import re
import sys

KEEP = []  # whatever a constructor must keep alive besides its instance (loops, files, ...)

MINOR = sys.version_info[1]
SHARED = {}  # what several constructors share: built once, kept alive here


def need(minor, what="this type"):
    if MINOR < minor:
        raise NotImplementedError("%s has Py_TPFLAGS_HAVE_GC from 3.%d" % (what, minor))


# _sre: compiled patterns, matches, scanners (GC from 3.10), templates (3.12).
def make_pattern():
    need(10)
    return re.compile(r"(?P<word>[a-z]+)-(?P<num>\d+)|catalogue")


def make_match():
    need(10)
    return re.compile(r"(?P<key>\w+)=(\d+)").match("alpha=42 tail")


def make_match_with_regs():
    need(10)
    m = re.compile(r"(\w+):(\w+)").search(" left:right ")
    m.regs  # the regs tuple is built on first use and kept
    return m


def make_scanner():
    need(10)
    return re.compile(r"\d+").scanner("12 345 6789")


def make_template():
    need(12)
    return re._compile_template(re.compile(r"(a)(b)(?P<c>c)"), r"<\2-\g<c>-\1>")


# _elementtree
def _et():
    import xml.etree.ElementTree as ET
    import _elementtree
    assert ET.Element is _elementtree.Element
    return ET


def make_element():
    ET = _et()
    root = ET.Element("root", {"id": "r1"}, extra="yes")
    root.text, root.tail = "root text", "root tail"
    for i in range(7):  # more than the 4 children kept inside the extra block
        ET.SubElement(root, "child%d" % i, n=str(i))
    return root


def make_element_bare():
    return _et().Element("bare")


def make_element_joined_text():
    # the tree builder keeps the data chunks as a list, flagged in the text pointer's low bit
    tb = _et().TreeBuilder()
    tb.start("root", {})
    tb.data("one ")
    tb.data("two")
    tb.start("leaf", {})
    tb.end("leaf")
    tb.data("tail ")
    tb.data("chunks")
    root = tb.end("root")
    return root


def make_element_iterator():
    ET = _et()
    root = ET.Element("root")
    a = ET.SubElement(root, "a")
    ET.SubElement(a, "b")
    ET.SubElement(a, "b")
    it = root.iter("b")
    next(it)  # parent stack holds root and a
    KEEP.append(root)
    return it


def make_element_itertext():
    ET = _et()
    root = ET.fromstring("<r>x<a>y<b>z</b></a>w</r>")
    it = root.itertext()
    next(it)
    next(it)
    return it


def make_treebuilder():
    ET = _et()
    tb = ET.TreeBuilder(element_factory=ET.Element, comment_factory=ET.Comment, pi_factory=ET.PI,
                        insert_comments=True, insert_pis=True) if MINOR >= 8 else ET.TreeBuilder()
    tb.start("root", {"a": "1"})
    tb.start("mid", {})
    tb.data("text")
    return tb


def make_treebuilder_events():
    ET = _et()
    parser = ET.XMLPullParser(events=("start", "end", "start-ns", "end-ns", "comment", "pi"))
    parser.feed("<root xmlns:p='urn:p'><p:a>text<!-- c --><?pi x?>")
    KEEP.append(parser)
    return parser._parser.target


class _Target:
    def start(self, tag, attrib):
        pass

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def comment(self, text):
        pass

    def pi(self, target, data):
        pass

    def close(self):
        return None

    def start_ns(self, prefix, uri):
        pass

    def end_ns(self, prefix):
        pass

    def doctype(self, name, pubid, system):
        pass


def make_xmlparser():
    ET = _et()
    parser = ET.XMLParser(target=_Target())
    parser.feed("<!DOCTYPE root><root xmlns:q='urn:q'><q:child attr='v'>text</q:child>")
    return parser


def make_xmlparser_default():
    parser = _et().XMLParser()
    parser.feed("<root><child/>")
    return parser


# _json
def _c_json():
    import _json
    return _json


def make_json_scanner():
    import json
    decoder = json.JSONDecoder(object_hook=lambda d: d, parse_float=float, parse_int=int,
                               parse_constant=lambda c: c)
    scanner = _c_json().make_scanner(decoder)
    scanner("[1, 2.5, {\"k\": NaN}]", 0)
    return scanner


def make_json_scanner_pairs():
    import json
    return _c_json().make_scanner(json.JSONDecoder(object_pairs_hook=list))


def make_json_encoder():
    markers = {}
    return _c_json().make_encoder(markers, lambda o: repr(o), lambda s: '"%s"' % s, "  ", ": ", ", ",
                                  True, True, False)


def make_json_encoder_flat():
    return _c_json().make_encoder(None, str, _c_json().encode_basestring_ascii, None, ":", ",",
                                  False, False, True)


# _pickle
def _c_pickle():
    import _pickle
    return _pickle


def make_pickler():
    import io
    shared = ["shared"]
    p = _c_pickle().Pickler(io.BytesIO(), 5, buffer_callback=lambda b: None)
    p.dispatch_table = {}
    p.dump([shared, shared, "memoized text", (1, 2)])  # the memo keeps what it saw
    return p


class _PersistentPickler(_c_pickle().Pickler):
    def persistent_id(self, obj):
        return None

    def reducer_override(self, obj):
        return NotImplemented


def make_pickler_persistent():
    import io
    p = _PersistentPickler(io.BytesIO(), 2)
    p.dump({"k": [1, 2]})
    return p


def make_pickler_persistent_attr():
    import io
    if sys.version_info[:3] == (3, 13, 0):
        raise NotImplementedError("3.13.0 makes persistent_id read-only")
    p = _c_pickle().Pickler(io.BytesIO())
    p.persistent_id = lambda obj: None
    p.dump(["x"])
    return p


def make_unpickler():
    import io, pickle
    import collections
    data = pickle.dumps([collections.OrderedDict, "again", "again"], 5)
    u = _c_pickle().Unpickler(io.BytesIO(data), buffers=[b"out of band"])
    u.load()  # the memo keeps what it loaded
    return u


class _PersistentUnpickler(_c_pickle().Unpickler):
    def persistent_load(self, pid):
        return pid


def make_unpickler_persistent():
    import io, pickle
    u = _PersistentUnpickler(io.BytesIO(pickle.dumps({"a": 1}, 0)))
    u.load()
    return u


def make_unpickler_persistent_attr():
    import io, pickle
    if sys.version_info[:3] == (3, 13, 0):
        raise NotImplementedError("3.13.0 makes persistent_load read-only")
    u = _c_pickle().Unpickler(io.BytesIO(pickle.dumps((1, 2))))
    u.persistent_load = lambda pid: pid
    return u


def make_pickler_memo_proxy():
    KEEP.append(make_pickler())
    return KEEP[-1].memo


def make_unpickler_memo_proxy():
    KEEP.append(make_unpickler())
    return KEEP[-1].memo


def make_pdata():
    import gc
    need(12)
    u = make_unpickler()
    KEEP.append(u)
    return [r for r in gc.get_referents(u) if type(r).__name__ == "Pdata"][0]


# _csv
def make_csv_reader():
    import _csv
    r = _csv.reader(iter(["a,b,c", "1,2"]), delimiter=",", lineterminator="\n")
    next(r)
    return r


def make_csv_reader_unread():
    import _csv
    return _csv.reader(iter(['"quoted', 'field"']))  # its fields list exists until a row is returned


class _Sink:
    def write(self, s):
        return len(s)


def make_csv_writer():
    import _csv
    return _csv.writer(_Sink(), lineterminator="\r\n", quoting=1)


def make_csv_dialect():
    import _csv
    need(10)
    return _csv.reader([], delimiter=";", lineterminator="--\n").dialect


# _abc
def make_abc_data():
    import abc
    import _abc
    need(9)

    class Base(abc.ABC):
        pass

    class Registered:
        pass

    Base.register(Registered)
    isinstance(Registered(), Base)  # fills the cache
    isinstance(1, Base)  # and the negative cache
    KEEP.append(Base)
    return Base._abc_impl


# _thread
def make_thread_local():
    import _thread
    loc = _thread._local()
    loc.value = ["per-thread"]
    return loc


class _LocalWithArgs(__import__("_thread")._local):
    def __init__(self, a, b=None):
        self.a = a


def make_thread_local_args():
    loc = _LocalWithArgs([1], b={"k": 2})
    loc.extra = "x"
    return loc


def make_thread_lock():
    need(10)
    import _thread
    return _thread.allocate_lock()


def make_thread_rlock():
    need(10)
    import _thread
    return _thread.RLock()


def make_thread_handle():
    need(13)
    import threading
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    KEEP.append(t)
    return t._handle if MINOR == 13 else t._os_thread_handle


# _ctypes: instances of the CData classes (before 3.13 only their Python subclasses are
# gc objects), the helper objects, and the classes themselves (instances of the metatypes).
CFUNCPTR = "_ctypes.PyCFuncPtr" if MINOR < 10 else "_ctypes.CFuncPtr"
CFIELD = "ctypes.CField" if MINOR >= 14 else "_ctypes.CField"


def _ct():
    import ctypes
    return ctypes


def _point_class():
    ctypes = _ct()

    class Point(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_double), ("name", ctypes.c_char_p)]

    return Point


def make_ctypes_simple():
    return _ct().c_int(42)


def make_ctypes_simple_char_p():
    return _ct().c_char_p(b"kept alive in _objects")


def make_ctypes_structure():
    return _point_class()(1, 2.5, b"point")


def make_ctypes_structure_member():
    # a member read from a structure has the structure as its base
    p = _point_class()(3, 4.5, b"outer")
    KEEP.append(p)
    ctypes = _ct()

    class Outer(ctypes.Structure):
        _fields_ = [("inner", type(p))]

    o = Outer(p)
    KEEP.append(o)
    return o.inner


def make_ctypes_union():
    ctypes = _ct()

    class Either(ctypes.Union):
        _fields_ = [("i", ctypes.c_int), ("f", ctypes.c_float)]

    return Either(7)


def make_ctypes_array():
    ctypes = _ct()
    arr = (ctypes.c_char_p * 3)(b"a", b"b", b"c")
    return arr


def make_ctypes_pointer():
    ctypes = _ct()
    target = ctypes.c_long(99)
    return ctypes.pointer(target)


def _callback(a, b):
    return a + b


def make_ctypes_funcptr_callback():
    ctypes = _ct()
    proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)
    return proto(_callback)


def make_ctypes_funcptr_foreign():
    ctypes = _ct()
    libc = ctypes.CDLL(None)
    f = libc.strlen
    f.restype = ctypes.c_size_t
    f.argtypes = [ctypes.c_char_p]
    f.errcheck = lambda result, func, args: result
    f(b"call once so that converters are set")
    return f


def make_ctypes_cfield():
    return _point_class().x


def make_ctypes_thunk():
    import gc
    cb = make_ctypes_funcptr_callback()
    KEEP.append(cb)
    return [r for r in gc.get_referents(cb) if type(r).__name__ == "CThunkObject"][0]


def make_ctypes_carg():
    need(12)
    ctypes = _ct()
    target = ctypes.c_int(5)
    return ctypes.byref(target)


def make_ctypes_dict_remover():
    import gc
    need(12)
    ctypes = _ct()

    def removers():
        return {id(o): o for o in gc.get_objects() if type(o).__name__ == "DictRemover"}

    before = removers()
    array_class = ctypes.c_ubyte * 13  # the array class cache holds it by a weak proxy
    KEEP.append(array_class)
    new = [o for i, o in removers().items() if i not in before]
    return new[0]


def make_ctypes_ctype_type_instance():
    need(13)
    ctype_type = type(_ct().c_int).__mro__[1]
    return ctype_type("CatalogueCType", (), {})


def make_ctypes_simple_class():
    return _ct().c_int


def make_ctypes_structure_class():
    return _point_class()


def make_ctypes_structure_class_with_pointer():
    cls = _point_class()
    KEEP.append(_ct().POINTER(cls))  # 3.14 keeps the pointer class in the StgInfo
    return cls


def make_ctypes_union_class():
    return type(make_ctypes_union())


def make_ctypes_pointer_class():
    ctypes = _ct()
    return ctypes.POINTER(_point_class())


def make_ctypes_array_class():
    ctypes = _ct()
    return ctypes.c_double * 4


def make_ctypes_funcptr_class():
    ctypes = _ct()
    return ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int)


# _decimal (its types have Py_TPFLAGS_HAVE_GC from 3.13)
def _c_decimal():
    import _decimal
    need(13)
    return _decimal


def make_decimal_context():
    d = _c_decimal()
    return d.Context(prec=12, traps=[d.DivisionByZero], flags=[d.Inexact])


def make_decimal_context_manager():
    d = _c_decimal()
    return d.localcontext(d.Context(prec=5))


def make_decimal_signal_dict():
    if MINOR == 8:  # 3.8's mixin has Py_TPFLAGS_HAVE_GC and no traverse; 3.9 to 3.12 not the flag
        import _decimal
        return _decimal.Context().traps
    return make_decimal_context().traps


def make_decimal_decimal():
    return _c_decimal().Decimal("3.14159")


# array, mmap, _struct, _queue, _lsprof, unicodedata, _zoneinfo, pyexpat
def make_array():
    need(10)
    import array
    return array.array("d", [1.0, 2.0])


def make_array_iterator():
    import array
    it = iter(array.array("i", range(5)))
    next(it)
    return it


def make_mmap():
    need(10)
    import mmap
    return mmap.mmap(-1, 4096)


def make_struct():
    need(10)
    import _struct
    return _struct.Struct("<i8sd")


def make_struct_unpack_iterator():
    import _struct
    it = _struct.Struct("<hh").iter_unpack(bytearray(b"abcdefgh"))
    next(it)
    return it


def make_simple_queue():
    import _queue
    q = _queue.SimpleQueue()
    for item in (["a"], ("b",), {"c": 1}):
        q.put(item)
    return q


def make_simple_queue_wrapped():
    import _queue
    q = _queue.SimpleQueue()
    for i in range(6):
        q.put([i])
    for _ in range(5):
        q.get()
    for i in range(6, 12):  # the ring buffer wraps around
        q.put((i,))
    return q


def make_lsprof_profiler():
    need(10)
    import _lsprof
    return _lsprof.Profiler(lambda: 0, 0.001)


def make_unicodedata_ucd():
    need(10)
    import unicodedata
    return unicodedata.ucd_3_2_0


def make_zoneinfo():
    need(12)
    import zoneinfo
    return zoneinfo.ZoneInfo.no_cache("UTC")


def _expat_handler(*args):
    return 1


def make_expat_parser():
    import pyexpat
    p = pyexpat.ParserCreate(namespace_separator=" ", intern={})
    p.StartElementHandler = _expat_handler
    p.CharacterDataHandler = _expat_handler
    p.ExternalEntityRefHandler = _expat_handler
    p.buffer_text = True
    p.Parse(b"<root a='1'>text", False)
    return p


def make_expat_subparser():
    parent = make_expat_parser()
    KEEP.append(parent)
    child = parent.ExternalEntityParserCreate(None)
    child.EndElementHandler = _expat_handler
    return child


# _multibytecodec (the CJK codecs)
def make_mbc_codec():
    need(10)
    return __import__("_codecs_cn").getcodec("gb2312")


def make_mbc_encoder():
    import codecs
    enc = codecs.getincrementalencoder("shift_jis")(errors="xmlcharrefreplace")
    enc.encode("\u3042")
    return enc


def make_mbc_encoder_strict():
    import codecs
    return codecs.getincrementalencoder("euc_kr")()


def make_mbc_decoder():
    import codecs
    dec = codecs.getincrementaldecoder("big5")(errors="backslashreplace")
    dec.decode(b"\xa4")
    return dec


def make_mbc_stream_reader():
    import codecs, io
    return codecs.getreader("gbk")(io.BytesIO(b"abc"), errors="surrogateescape")


def make_mbc_stream_writer():
    import codecs, io
    return codecs.getwriter("iso2022_jp")(io.BytesIO(), errors="replace")


def _mbc_name(name):
    return name if MINOR < 10 else "_multibytecodec." + name


# _sqlite3 (gc objects from 3.10)
def _referent_of_type(obj, name):
    import gc
    found = [r for r in gc.get_referents(obj) if type(r).__name__ == name]
    if not found:
        raise LookupError("no %s among the referents of %r" % (name, type(obj).__name__))
    return found[0]


def _sqlite_connection():
    need(10)
    import sqlite3
    con = sqlite3.connect(":memory:")
    con.execute("create table t (a integer, b text, c blob)")
    con.executemany("insert into t values (?, ?, ?)", [(i, "row %d" % i, b"x" * 8) for i in range(5)])
    KEEP.append(con)
    return con


def make_sqlite_connection():
    import sqlite3
    con = _sqlite_connection()
    con.row_factory = sqlite3.Row
    con.text_factory = str
    con.set_trace_callback(lambda sql: None)
    con.set_progress_handler(lambda: 0, 100)
    con.set_authorizer(lambda *args: sqlite3.SQLITE_OK)
    con.create_collation("reverse", lambda a, b: (a < b) - (a > b))
    con.execute("select * from t").fetchall()
    return con


def make_sqlite_cursor():
    cur = _sqlite_connection().cursor()
    cur.execute("select a, b from t order by a")
    cur.fetchone()  # description, statement and (3.10) next_row are set
    return cur


def make_sqlite_row():
    import sqlite3
    cur = _sqlite_connection().cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute("select a, b from t").fetchone()


def make_sqlite_statement():
    cur = make_sqlite_cursor()
    KEEP.append(cur)
    return _referent_of_type(cur, "Statement")


def make_sqlite_blob():
    need(11)
    con = _sqlite_connection()
    return con.blobopen("t", "c", 1)


def make_sqlite_prepare_protocol():
    need(10)
    import sqlite3
    return sqlite3.PrepareProtocol()


def make_sqlite_cache():
    if MINOR != 10:
        raise NotImplementedError("sqlite3.Cache exists in 3.10 only")
    con = make_sqlite_connection()
    return _referent_of_type(con, "Cache")


def make_sqlite_node():
    cache = make_sqlite_cache()
    KEEP.append(cache)
    return _referent_of_type(cache, "Node")


# _ssl: two contexts and a handshake in memory (no network), with a throwaway certificate
_TEST_KEYCERT = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyOnb89UWOw/xycs3
EZBH9WCvbVBTbJ2e9v7IGDzJR9ShRANCAASdrAmeKkZI0KOPtWY8GK2LrgDaZUZa
sqSZ9Cpl/eXLsyQPFxbsYbHsH8vFMpHS5Srmkf1P1oaZ5ar2FujEd4bu
-----END PRIVATE KEY-----
-----BEGIN CERTIFICATE-----
MIIBfzCCASWgAwIBAgIUVSj9ImzD0u5neNhb1EXT8x9ok5UwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNTE1MTUzNVoYDzIxMjYxMTEx
MTUxNTM1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASdrAmeKkZI0KOPtWY8GK2LrgDaZUZasqSZ9Cpl/eXLsyQPFxbsYbHs
H8vFMpHS5Srmkf1P1oaZ5ar2FujEd4buo1MwUTAdBgNVHQ4EFgQUl18WDuEbSI0X
iYyB7VPjOci3YTEwHwYDVR0jBBgwFoAUl18WDuEbSI0XiYyB7VPjOci3YTEwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAJbpXvaRqzG4IlzMn6N/gi
VrbjzLgC00bAIn71UmedlgIhAPC5oqOoLFWv3VrArEtUitCi5ag4cs0youux8Okl
hhEG
-----END CERTIFICATE-----
"""


def _tempdir():
    import tempfile
    if "tempdir" not in SHARED:
        SHARED["tempdir"] = tempfile.TemporaryDirectory(prefix="catalogue-modules-")
    return SHARED["tempdir"].name


def _ssl_pair():
    import os, ssl
    path = os.path.join(_tempdir(), "keycert.pem")
    with open(path, "w") as f:
        f.write(_TEST_KEYCERT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(path)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    for ctx in (server, client):  # TLS 1.2: the session exists once the handshake is done
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client.wrap_bio(bios[0], bios[1])
    s = server.wrap_bio(bios[2], bios[3], server_side=True)
    for _ in range(10):
        for end in (c, s):
            try:
                end.do_handshake()
            except ssl.SSLWantReadError:
                pass
        bios[2].write(bios[1].read())
        bios[0].write(bios[3].read())
    KEEP.append((server, client, bios, c, s))
    return server, client, c, s


def make_ssl_context():
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.sni_callback = lambda sock, name, context: None
    ctx._msg_callback = lambda *args: None
    return ctx


def make_ssl_context_keylog_psk():
    import os, ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.keylog_filename = os.path.join(_tempdir(), "keylog.txt")
    if hasattr(ctx, "set_psk_client_callback"):
        ctx.set_psk_client_callback(lambda hint: ("identity", b"\x01" * 16))
    return ctx


def make_ssl_socket():
    need(10)
    return _ssl_pair()[2]._sslobj


def make_ssl_memory_bio():
    need(10)
    import ssl
    bio = ssl.MemoryBIO()
    bio.write(b"pending")
    return bio


def make_ssl_session():
    session = _ssl_pair()[2].session
    if session is None:
        raise RuntimeError("the handshake left no session")
    return session


# hashes, compressors, sockets, semaphores, dbm, unicodedata's 3.15 iterators
def make_md5():
    need(10)
    import _md5
    return _md5.md5(b"x")


def make_sha1():
    need(10)
    import _sha1
    return _sha1.sha1(b"x")


def _sha2(name):
    def make():
        need(10)
        module = "_sha2" if MINOR >= 12 else ("_sha256" if name in ("sha224", "sha256") else "_sha512")
        return getattr(__import__(module), name)(b"x")
    return make


def _sha_name(name, old):
    return "_sha2.%sType" % name.upper() if MINOR >= 12 else old


def _by_call(module, name, *args, minor=10):
    def make():
        need(minor)
        return getattr(__import__(module), name)(*args)
    return make


def make_zlib_compress():
    need(13)
    import zlib
    return zlib.compressobj(zdict=b"a shared dictionary")


def make_zlib_decompress():
    need(13)
    import zlib
    return zlib.decompressobj(zdict=b"a shared dictionary")


def make_zlib_decompressor():
    need(12)
    import zlib
    return zlib._ZlibDecompressor(zdict=b"a shared dictionary")


def _zstd_dict():
    need(14)
    from compression import zstd
    return zstd.ZstdDict(b"raw dictionary content " * 8, is_raw=True)


def make_zstd_compressor():
    zstd_dict = _zstd_dict()
    from compression import zstd
    return zstd.ZstdCompressor(zstd_dict=zstd_dict)


def make_zstd_decompressor():
    zstd_dict = _zstd_dict()
    from compression import zstd
    return zstd.ZstdDecompressor(zstd_dict=zstd_dict)


def make_socket():
    need(12)
    import _socket
    a, b = _socket.socketpair()
    KEEP.append(b)
    return a


def make_semlock():
    need(12)
    import os
    import _multiprocessing
    # directly, not through multiprocessing, which would start its resource tracker process
    return _multiprocessing.SemLock(1, 1, 1, "/catalogue-%d" % os.getpid(), True)


def make_dbm():
    need(11)
    import os
    import _dbm
    return _dbm.open(os.path.join(_tempdir(), "catalogue-dbm"), "c")


def make_grapheme_iterator():
    need(15)
    import unicodedata
    return unicodedata.iter_graphemes("e\u0301a")


def make_grapheme_segment():
    need(15)
    import unicodedata
    return next(unicodedata.iter_graphemes("e\u0301a"))


# _curses: a window needs initscr, which wants a terminal: a pseudo-terminal stands in
# for stdin and stdout while it runs, so nothing reaches the real ones.
def _curses_window():
    import os, pty
    import _curses
    if "curses window" not in SHARED:
        master, slave = pty.openpty()
        saved = [os.dup(0), os.dup(1)]
        old_term = os.environ.get("TERM")
        os.environ["TERM"] = "xterm"
        try:
            os.dup2(slave, 0)
            os.dup2(slave, 1)
            _curses.initscr()
            window = _curses.newwin(6, 20, 0, 0)
            _curses.endwin()
        finally:
            os.dup2(saved[0], 0)
            os.dup2(saved[1], 1)
            for fd in saved + [slave, master]:
                os.close(fd)
            if old_term is None:
                del os.environ["TERM"]
            else:
                os.environ["TERM"] = old_term
        SHARED["curses window"] = window
    return SHARED["curses window"]


def make_curses_window():
    need(14)
    return _curses_window()


def make_curses_subwindow():
    need(14)
    return _curses_window().derwin(2, 4, 1, 1)  # keeps its parent window in orig


def make_curses_panel():
    need(13)
    import _curses_panel
    panel = _curses_panel.new_panel(_curses_window().derwin(3, 5, 2, 2))
    panel.set_userptr(["the panel's user object"])
    return panel


# the C types of exceptions and tuples that modules of this family define
def make_stgdict():
    import gc
    if MINOR >= 13:
        raise NotImplementedError("from 3.13 the ctypes classes keep their StgInfo in the type")
    cls = _point_class()
    KEEP.append(cls)
    return [r for r in gc.get_referents(cls) if type(r).__name__ == "StgDict"][0]


def make_csv_error():
    need(10, "_csv.Error as a C type (before, a class like a class statement's)")
    import _csv
    try:
        raise _csv.Error("bad quoting")
    except _csv.Error as e:
        return e


def make_ssl_error():
    import ssl
    return ssl.SSLError(1, "handshake failure", "extra")


def make_iso_calendar_date():
    need(9)
    import datetime
    return datetime.date(2024, 2, 29).isocalendar()


# the example and test modules
def _xxo(module, minor=8):
    def make():
        need(minor)
        obj = __import__(module).Xxo()
        obj.attribute = ["kept in x_attr"]
        return obj
    return make


def make_testimportexec_example():
    import _testmultiphase
    obj = _testmultiphase.Example()
    obj.attribute = ["kept in x_attr"]
    return obj


def make_testcapi_heapgcctype():
    need(9)
    import _testcapi
    return _testcapi.HeapGcCType()


CONSTRUCTORS = [
    ("re.Pattern", make_pattern),
    ("re.Match", make_match),
    ("re.Match", make_match_with_regs),
    ("_sre.SRE_Scanner", make_scanner),
    ("_sre.SRE_Template", make_template),
    ("xml.etree.ElementTree.Element", make_element),
    ("xml.etree.ElementTree.Element", make_element_bare),
    ("xml.etree.ElementTree.Element", make_element_joined_text),
    ("_elementtree._element_iterator", make_element_iterator),
    ("_elementtree._element_iterator", make_element_itertext),
    ("xml.etree.ElementTree.TreeBuilder", make_treebuilder),
    ("xml.etree.ElementTree.TreeBuilder", make_treebuilder_events),
    ("xml.etree.ElementTree.XMLParser", make_xmlparser),
    ("xml.etree.ElementTree.XMLParser", make_xmlparser_default),
    ("_json.Scanner", make_json_scanner),
    ("_json.Scanner", make_json_scanner_pairs),
    ("_json.Encoder", make_json_encoder),
    ("_json.Encoder", make_json_encoder_flat),
    ("_pickle.Pickler", make_pickler),
    ("_pickle.Pickler", make_pickler_persistent),
    ("_pickle.Pickler", make_pickler_persistent_attr),
    ("_pickle.Unpickler", make_unpickler),
    ("_pickle.Unpickler", make_unpickler_persistent),
    ("_pickle.Unpickler", make_unpickler_persistent_attr),
    ("_pickle.PicklerMemoProxy", make_pickler_memo_proxy),
    ("_pickle.UnpicklerMemoProxy", make_unpickler_memo_proxy),
    ("_pickle.Pdata", make_pdata),
    ("_csv.reader", make_csv_reader),
    ("_csv.reader", make_csv_reader_unread),
    ("_csv.writer", make_csv_writer),
    ("_csv.Dialect", make_csv_dialect),
    ("_abc._abc_data", make_abc_data),
    ("_thread._local", make_thread_local),
    ("_thread._local", make_thread_local_args),
    ("_thread.lock", make_thread_lock),
    ("_thread.RLock", make_thread_rlock),
    ("_thread._ThreadHandle", make_thread_handle),
    ("_ctypes._SimpleCData", make_ctypes_simple),
    ("_ctypes._SimpleCData", make_ctypes_simple_char_p),
    ("_ctypes.Structure", make_ctypes_structure),
    ("_ctypes.Structure", make_ctypes_structure_member),
    ("_ctypes.Union", make_ctypes_union),
    ("_ctypes.Array", make_ctypes_array),
    ("_ctypes._Pointer", make_ctypes_pointer),
    (CFUNCPTR, make_ctypes_funcptr_callback),
    (CFUNCPTR, make_ctypes_funcptr_foreign),
    (CFIELD, make_ctypes_cfield),
    ("_ctypes.CThunkObject", make_ctypes_thunk),
    ("_ctypes.CArgObject", make_ctypes_carg),
    ("_ctypes.PyCSimpleType", make_ctypes_simple_class),
    ("_ctypes.PyCStructType", make_ctypes_structure_class),
    ("_ctypes.PyCStructType", make_ctypes_structure_class_with_pointer),
    ("_ctypes.DictRemover", make_ctypes_dict_remover),
    ("_ctypes.CType_Type", make_ctypes_ctype_type_instance),
    ("_ctypes.UnionType", make_ctypes_union_class),
    ("_ctypes.PyCPointerType", make_ctypes_pointer_class),
    ("_ctypes.PyCArrayType", make_ctypes_array_class),
    ("_ctypes.PyCFuncPtrType", make_ctypes_funcptr_class),
    ("decimal.Context", make_decimal_context),
    ("decimal.ContextManager", make_decimal_context_manager),
    ("decimal.SignalDictMixin", make_decimal_signal_dict),
    ("decimal.Decimal", make_decimal_decimal),
    ("array.array", make_array),
    ("arrayiterator" if MINOR < 10 else "array.arrayiterator", make_array_iterator),
    ("mmap.mmap", make_mmap),
    ("_struct.Struct", make_struct),
    ("unpack_iterator" if MINOR <= 8 else "_struct.unpack_iterator", make_struct_unpack_iterator),
    ("_queue.SimpleQueue", make_simple_queue),
    ("_queue.SimpleQueue", make_simple_queue_wrapped),
    ("_lsprof.Profiler", make_lsprof_profiler),
    ("unicodedata.UCD", make_unicodedata_ucd),
    ("zoneinfo.ZoneInfo", make_zoneinfo),
    ("pyexpat.xmlparser", make_expat_parser),
    ("pyexpat.xmlparser", make_expat_subparser),
    ("_multibytecodec.MultibyteCodec", make_mbc_codec),
    (_mbc_name("MultibyteIncrementalEncoder"), make_mbc_encoder),
    (_mbc_name("MultibyteIncrementalEncoder"), make_mbc_encoder_strict),
    (_mbc_name("MultibyteIncrementalDecoder"), make_mbc_decoder),
    (_mbc_name("MultibyteStreamReader"), make_mbc_stream_reader),
    (_mbc_name("MultibyteStreamWriter"), make_mbc_stream_writer),
    ("sqlite3.Connection", make_sqlite_connection),
    ("sqlite3.Cursor", make_sqlite_cursor),
    ("sqlite3.Row", make_sqlite_row),
    ("sqlite3.Statement", make_sqlite_statement),
    ("sqlite3.Blob", make_sqlite_blob),
    ("sqlite3.PrepareProtocol", make_sqlite_prepare_protocol),
    ("sqlite3.Cache", make_sqlite_cache),
    ("sqlite3.Node", make_sqlite_node),
    ("_ssl._SSLContext", make_ssl_context),
    ("_ssl._SSLContext", make_ssl_context_keylog_psk),
    ("_ssl._SSLSocket", make_ssl_socket),
    ("_ssl.MemoryBIO", make_ssl_memory_bio),
    ("_ssl.Session" if MINOR < 10 else "_ssl.SSLSession", make_ssl_session),
    ("_socket.socket", make_socket),
    ("_multiprocessing.SemLock", make_semlock),
    ("_md5.md5", make_md5),
    ("_sha1.sha1", make_sha1),
    (_sha_name("sha224", "_sha256.sha224"), _sha2("sha224")),
    (_sha_name("sha256", "_sha256.sha256"), _sha2("sha256")),
    (_sha_name("sha384", "_sha512.sha384"), _sha2("sha384")),
    (_sha_name("sha512", "_sha512.sha512"), _sha2("sha512")),
    ("_sha3.sha3_224", _by_call("_sha3", "sha3_224", minor=14)),
    ("_sha3.sha3_256", _by_call("_sha3", "sha3_256", minor=14)),
    ("_sha3.sha3_384", _by_call("_sha3", "sha3_384", minor=14)),
    ("_sha3.sha3_512", _by_call("_sha3", "sha3_512", minor=14)),
    ("_sha3.shake_128", _by_call("_sha3", "shake_128", minor=14)),
    ("_sha3.shake_256", _by_call("_sha3", "shake_256", minor=14)),
    ("_blake2.blake2b", _by_call("_blake2", "blake2b", minor=14)),
    ("_blake2.blake2s", _by_call("_blake2", "blake2s", minor=14)),
    ("_hmac.HMAC", _by_call("_hmac", "new", b"key", b"message", "sha256", minor=14)),
    ("_bz2.BZ2Compressor", _by_call("_bz2", "BZ2Compressor")),
    ("_bz2.BZ2Decompressor", _by_call("_bz2", "BZ2Decompressor")),
    ("_lzma.LZMACompressor", _by_call("_lzma", "LZMACompressor")),
    ("_lzma.LZMADecompressor", _by_call("_lzma", "LZMADecompressor")),
    ("zlib.Compress", make_zlib_compress),
    ("zlib.Decompress", make_zlib_decompress),
    ("zlib._ZlibDecompressor", make_zlib_decompressor),
    ("compression.zstd.ZstdCompressor", make_zstd_compressor),
    ("compression.zstd.ZstdDecompressor", make_zstd_decompressor),
    ("compression.zstd.ZstdDict", _zstd_dict),
    ("_dbm.dbm", make_dbm),
    ("unicodedata.GraphemeBreakIterator", make_grapheme_iterator),
    ("unicodedata.Segment", make_grapheme_segment),
    ("_curses.window", make_curses_window),
    ("_curses.window", make_curses_subwindow),
    ("_curses_panel.panel", make_curses_panel),
    ("StgDict", make_stgdict),
    ("_csv.Error", make_csv_error),
    ("ssl.SSLError", make_ssl_error),
    ("datetime.IsoCalendarDate", make_iso_calendar_date),
    ("xxlimited.Xxo", _xxo("xxlimited")),
    ("xxlimited_35.Xxo", _xxo("xxlimited_35", 10)),
    ("xxlimited_3_13.Xxo", _xxo("xxlimited_3_13", 15)),
    ("_testimportexec.Example", make_testimportexec_example),
    ("_testcapi.HeapGcCType", make_testcapi_heapgcctype),
]

# GC types of this family no program can build an instance of, with the reason.
UNBUILDABLE = {
    "_ctypes._CData": "the abstract base of the ctypes data classes: its instances are those of"
                      " _SimpleCData, Structure, Union, Array, _Pointer and CFuncPtr",
    "_ctypes.StructParam_Type": "exists only while a foreign call passes a structure by value",
}
