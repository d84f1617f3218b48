"""The ctypes layer over libshrinknet: finding and loading the shared library, the prototypes of
the functions the estimators call, the two C structs that cannot stay opaque (sn_error and
sn_metrics), the exceptions that carry the library's messages, and an owning wrapper of an
sn_model handle.

Everything else the C API hands out (sn_data, sn_model, sn_train_params) stays an opaque pointer:
parameters are set by their CLI names through sn_train_params_set, so no struct layout of
include/shrinknet.h other than sn_error's and sn_metrics' is repeated here.
"""

import ctypes
import ctypes.util
import os
import sys
import tempfile
import threading

import numpy as np

# ----------------------------------------------------------------------------------------------
# Status codes and exceptions
# ----------------------------------------------------------------------------------------------

# sn_status of include/shrinknet.h.
SN_OK = 0
SN_EINVAL = 1
SN_EDATA = 2
SN_EIO = 3
SN_EFORMAT = 4
SN_ENOMEM = 5
SN_ENUMERIC = 6
SN_EUNSUPPORTED = 7

SN_ERROR_MSG_LEN = 512


class ShrinkNetError(Exception):
    """An error reported by libshrinknet.

    ``status`` is the sn_status code, ``status_name`` its name (sn_status_str) and ``message``
    the library's one-line message, which is also ``str(error)``. The class raised depends on the
    status, so that ordinary ``except ValueError`` / ``except OSError`` clauses work:

    =================================================  ==========================================
    SN_EINVAL, SN_EDATA, SN_EFORMAT, SN_EUNSUPPORTED   :class:`ShrinkNetValueError` (ValueError)
    SN_EIO                                             :class:`ShrinkNetIOError` (OSError)
    SN_ENOMEM                                          :class:`ShrinkNetMemoryError` (MemoryError)
    SN_ENUMERIC                                        :class:`ShrinkNetNumericError` (RuntimeError)
    =================================================  ==========================================
    """

    def __init__(self, status, message, status_name=None):
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.status_name = status_name if status_name is not None else _status_name(status)

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (type(self), (self.status, self.message, self.status_name))


class ShrinkNetValueError(ShrinkNetError, ValueError):
    """A bad parameter, data array, model file or combination of options."""


class ShrinkNetIOError(ShrinkNetError, OSError):
    """A file could not be opened, read, written or renamed."""

    def __str__(self):
        return self.message


class ShrinkNetMemoryError(ShrinkNetError, MemoryError):
    """An allocation failed or a size computation overflowed."""


class ShrinkNetNumericError(ShrinkNetError, RuntimeError):
    """Training diverged: NaN or Inf in the objective or the parameters."""


_ERROR_CLASSES = {
    SN_EINVAL: ShrinkNetValueError,
    SN_EDATA: ShrinkNetValueError,
    SN_EFORMAT: ShrinkNetValueError,
    SN_EUNSUPPORTED: ShrinkNetValueError,
    SN_EIO: ShrinkNetIOError,
    SN_ENOMEM: ShrinkNetMemoryError,
    SN_ENUMERIC: ShrinkNetNumericError,
}


def _status_name(status):
    try:
        return lib().sn_status_str(int(status)).decode("utf-8", "replace")
    except Exception:  # the library itself could not be loaded
        return "status %d" % int(status)


# ----------------------------------------------------------------------------------------------
# The structs that are passed by value or filled in by the library
# ----------------------------------------------------------------------------------------------


class SnError(ctypes.Structure):
    """sn_error: {sn_status code; char msg[SN_ERROR_MSG_LEN];}"""

    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * SN_ERROR_MSG_LEN)]


class SnMetrics(ctypes.Structure):
    """sn_metrics, in the header's field order."""

    _fields_ = [
        ("n", ctypes.c_size_t),
        ("rmse", ctypes.c_double),
        ("ll", ctypes.c_double),
        ("ll_gauss", ctypes.c_double),
        ("mae", ctypes.c_double),
        ("ref_abs_err", ctypes.c_double),
        ("accuracy", ctypes.c_double),
        ("brier", ctypes.c_double),
        ("ece", ctypes.c_double),
    ]

    def as_dict(self):
        return {name: getattr(self, name) for name, _ in self._fields_}


def check(status, err):
    """Raise the ShrinkNetError subclass for status with the message in err (an SnError)."""
    if status == SN_OK:
        return
    msg = err.msg.decode("utf-8", "replace") if err is not None else ""
    if not msg:
        msg = _status_name(status)
    raise _ERROR_CLASSES.get(status, ShrinkNetError)(status, msg)


# ----------------------------------------------------------------------------------------------
# Finding and loading the library
# ----------------------------------------------------------------------------------------------

# The library's soname (SN_VERSION_MAJOR of include/shrinknet.h).
_SONAME = "libshrinknet.so.0"

_lock = threading.Lock()
_lib = None

_c_double_p = ctypes.POINTER(ctypes.c_double)
_c_void_pp = ctypes.POINTER(ctypes.c_void_p)
_c_error_p = ctypes.POINTER(SnError)
_size = ctypes.c_size_t
_u64 = ctypes.c_uint64
_status = ctypes.c_int

# name: (restype, argtypes)
_PROTOTYPES = {
    "sn_status_str": (ctypes.c_char_p, [_status]),
    "sn_train_params_new": (ctypes.c_void_p, []),
    "sn_train_params_free": (None, [ctypes.c_void_p]),
    "sn_train_params_set": (_status, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      _c_error_p]),
    "sn_train_params_check": (_status, [ctypes.c_void_p, ctypes.c_void_p, _c_error_p]),
    "sn_data_new": (_status, [_c_double_p, _c_double_p, _size, _size, _c_void_pp, _c_error_p]),
    "sn_data_free": (None, [ctypes.c_void_p]),
    "sn_train": (_status, [ctypes.c_void_p, ctypes.c_void_p, _c_void_pp, _c_error_p]),
    "sn_model_free": (None, [ctypes.c_void_p]),
    "sn_model_copy": (_status, [ctypes.c_void_p, _c_void_pp, _c_error_p]),
    "sn_model_n_inputs": (_size, [ctypes.c_void_p]),
    "sn_model_n_outputs": (_size, [ctypes.c_void_p]),
    "sn_model_n_classes": (_size, [ctypes.c_void_p]),
    "sn_model_precision": (ctypes.c_double, [ctypes.c_void_p]),
    "sn_model_standardisation": (None, [ctypes.c_void_p, ctypes.POINTER(_c_double_p),
                                        ctypes.POINTER(_c_double_p), _c_double_p, _c_double_p]),
    "sn_predict_samples": (_status, [ctypes.c_void_p, _c_double_p, _size, _size, _u64,
                                     _c_double_p, _c_error_p]),
    "sn_predict": (_status, [ctypes.c_void_p, _c_double_p, _size, _size, _u64, ctypes.c_double,
                             _c_double_p, _c_double_p, _c_double_p, _c_double_p, _c_error_p]),
    "sn_predict_proba": (_status, [ctypes.c_void_p, _c_double_p, _size, _size, _u64,
                                   _c_double_p, _c_error_p]),
    "sn_evaluate": (_status, [ctypes.c_void_p, ctypes.c_void_p, _size, _u64,
                              ctypes.POINTER(SnMetrics), _c_error_p]),
    "sn_metrics_regression": (_status, [_c_double_p, _c_double_p, _size, _size, ctypes.c_double,
                                        ctypes.POINTER(SnMetrics), _c_error_p]),
    "sn_metrics_classification": (_status, [_c_double_p, _c_double_p, _size, _size,
                                            ctypes.POINTER(SnMetrics), _c_error_p]),
    "sn_model_save": (_status, [ctypes.c_void_p, ctypes.c_char_p, _c_error_p]),
    "sn_model_load": (_status, [ctypes.c_char_p, _c_void_pp, _c_error_p]),
}


def _candidates():
    """Where to look, in order: $SHRINKNET_LIB alone when set; else the installed library
    (libshrinknet.so.0 by the loader's search: LD_LIBRARY_PATH, the ld.so cache, and
    <prefix>/lib for the prefixes of this Python and /usr/local); else the build folder of the
    repository this package sits in (python/shrinknet -> ../../build)."""
    env = os.environ.get("SHRINKNET_LIB")
    if env:
        return [env]
    found = [_SONAME]
    system = ctypes.util.find_library("shrinknet")
    if system:
        found.append(system)
    for prefix in (sys.prefix, "/usr/local"):
        found.append(os.path.join(prefix, "lib", _SONAME))
    here = os.path.dirname(os.path.abspath(__file__))
    found.append(os.path.normpath(os.path.join(here, "..", "..", "build", "libshrinknet.so")))
    return found


def _load():
    from . import __version__  # the package's version, which the library must report
    tried = []
    for path in _candidates():
        # A relative path without a slash would make dlopen search the system path instead.
        target = path if os.sep in path or not os.path.exists(path) else os.path.abspath(path)
        try:
            handle = ctypes.CDLL(target)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        missing = [name for name in _PROTOTYPES if not hasattr(handle, name)]
        if missing:
            tried.append("%s (lacks %s)" % (path, ", ".join(missing)))
            continue
        handle.sn_version.restype = ctypes.c_char_p
        handle.sn_version.argtypes = []
        version = handle.sn_version().decode("ascii", "replace")
        if version != __version__:
            tried.append("%s (version %s, this package is %s)" % (path, version, __version__))
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(handle, name)
            fn.restype = restype
            fn.argtypes = argtypes
        handle._shrinknet_path = path
        return handle
    raise OSError("shrinknet: cannot load libshrinknet.so; tried " + "; ".join(tried)
                  + ". Build it with scripts/setup.sh (or make), or set SHRINKNET_LIB to its path.")


def lib():
    """The loaded library (loaded on first use, so that importing the package never fails)."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _load()
    return _lib


def library_path():
    """Path of the libshrinknet that was loaded."""
    return lib()._shrinknet_path


# ----------------------------------------------------------------------------------------------
# BLAS threads
# ----------------------------------------------------------------------------------------------


class blas_threads:
    """Context manager running its body with n OpenBLAS threads (as the CLI's --threads, default
    1), then restoring the previous count. A no-op when the library is not linked to OpenBLAS or
    n is None."""

    def __init__(self, n):
        self.n = n
        self.prev = None

    def __enter__(self):
        h = lib()
        if self.n is None:
            return self
        try:
            get, put = h.openblas_get_num_threads, h.openblas_set_num_threads
        except AttributeError:
            return self
        get.restype = ctypes.c_int
        get.argtypes = []
        put.restype = None
        put.argtypes = [ctypes.c_int]
        self.prev = get()
        self._put = put
        put(int(self.n))
        return self

    def __exit__(self, *exc):
        if self.prev is not None:
            self._put(self.prev)
        return False


# ----------------------------------------------------------------------------------------------
# Arrays and handles
# ----------------------------------------------------------------------------------------------


def dptr(a):
    """A double * to the data of a C-contiguous float64 array (None for None)."""
    if a is None:
        return None
    assert a.dtype == np.float64 and a.flags.c_contiguous
    return a.ctypes.data_as(_c_double_p)


def path_bytes(path):
    b = os.fsencode(path)
    if b"\0" in b:
        raise ValueError("a path may not contain a NUL character")
    return b


def make_data(x, y):
    """An sn_data handle (caller frees with sn_data_free) from float64 arrays x [n][d], y [n]."""
    h = lib()
    err = SnError()
    out = ctypes.c_void_p()
    st = h.sn_data_new(dptr(x), dptr(y), x.shape[0], x.shape[1], ctypes.byref(out),
                       ctypes.byref(err))
    check(st, err)
    return out


class Model:
    """Owns one sn_model handle; frees it when garbage collected. Picklable and deep-copyable
    (through the model file format, which reloads to the exact same bits)."""

    def __init__(self, handle):
        if not handle:
            raise ValueError("null sn_model handle")
        self._handle = ctypes.c_void_p(handle.value if isinstance(handle, ctypes.c_void_p)
                                       else handle)

    @property
    def handle(self):
        return self._handle

    def __del__(self):
        h = getattr(self, "_handle", None)
        if h is not None and h.value and _lib is not None:
            try:
                _lib.sn_model_free(h)
            except Exception:  # interpreter shutdown
                pass
        self._handle = None

    # -- properties of the model ----------------------------------------------------------
    @property
    def n_inputs(self):
        return int(lib().sn_model_n_inputs(self._handle))

    @property
    def n_outputs(self):
        return int(lib().sn_model_n_outputs(self._handle))

    @property
    def n_classes(self):
        return int(lib().sn_model_n_classes(self._handle))

    @property
    def precision(self):
        return float(lib().sn_model_precision(self._handle))

    def standardisation(self):
        """(x_mean [d], x_std [d], y_mean, y_std): the training statistics, copied."""
        xm, xs = _c_double_p(), _c_double_p()
        ym, ys = ctypes.c_double(), ctypes.c_double()
        lib().sn_model_standardisation(self._handle, ctypes.byref(xm), ctypes.byref(xs),
                                       ctypes.byref(ym), ctypes.byref(ys))
        d = self.n_inputs
        return (np.ctypeslib.as_array(xm, shape=(d,)).copy(),
                np.ctypeslib.as_array(xs, shape=(d,)).copy(), ym.value, ys.value)

    # -- files ------------------------------------------------------------------------------
    def save(self, path):
        err = SnError()
        check(lib().sn_model_save(self._handle, path_bytes(path), ctypes.byref(err)), err)

    @classmethod
    def load(cls, path):
        err = SnError()
        out = ctypes.c_void_p()
        check(lib().sn_model_load(path_bytes(path), ctypes.byref(out), ctypes.byref(err)), err)
        return cls(out)

    def to_bytes(self):
        with tempfile.TemporaryDirectory(prefix="shrinknet-") as d:
            p = os.path.join(d, "model.snm")
            self.save(p)
            with open(p, "rb") as f:
                return f.read()

    @classmethod
    def from_bytes(cls, data):
        with tempfile.TemporaryDirectory(prefix="shrinknet-") as d:
            p = os.path.join(d, "model.snm")
            with open(p, "wb") as f:
                f.write(data)
            return cls.load(p)

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    def __copy__(self):
        err = SnError()
        out = ctypes.c_void_p()
        check(lib().sn_model_copy(self._handle, ctypes.byref(out), ctypes.byref(err)), err)
        return Model(out)

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __repr__(self):
        k = self.n_classes
        kind = "classifier, %d classes" % k if k else "regression"
        return "<shrinknet model: %d inputs, %s>" % (self.n_inputs, kind)
