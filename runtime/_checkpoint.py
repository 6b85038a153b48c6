"""Saving and loading Block parameters by structural name (MXNet NDArray file format)."""
import warnings

from mxnet import ndarray, npx
from mxnet.base import MXNetError
from mxnet.context import Context
from mxnet.util import is_np_array, is_np_shape, np_array, np_shape

from ._np import in_mode
from .parameter import LoadProblem

_MAX_LISTED = 20


class ParameterLoadError(ValueError, AssertionError):
    """A checkpoint does not fit the model; the message lists every offending key.

    Subclasses both ValueError and AssertionError so that code written against either of
    the 1.x failure types (missing keys: AssertionError, extra keys: ValueError) still works.
    """


def save_arrays(filename, arrays):
    # As stock 1.9.1: numpy mode writes the numpy flavour of the format (`npx.save`).
    arrays = {key: in_mode(value) for key, value in arrays.items()}
    (npx.save if is_np_array() else ndarray.save)(filename, arrays)


def _read(filename):
    return npx.load(filename) if is_np_array() else ndarray.load(filename)


def load_arrays(filename):
    """The arrays of `filename`, in the current mode, whichever mode wrote it (spec S13.5)."""
    try:
        try:
            loaded = _read(filename)
        except MXNetError as err:
            # A file records whether numpy shape semantics were on when it was written, and MXNet
            # reads it only under the same setting: retry under the other one (legacy arrays, which
            # `in_mode` turns into the current mode's).
            if 'is_np_shape' not in str(err):
                raise
            with np_array(False), np_shape(not is_np_shape()):
                loaded = ndarray.load(filename)
    except MXNetError as err:
        # MXNet's own message names neither the file nor what is wrong with it
        lines = [line for line in str(err).splitlines() if line.strip()]
        raise MXNetError("Cannot load '%s': not a readable parameter file (missing, truncated or "
                         "corrupt): %s" % (filename, lines[-1] if lines else type(err).__name__)) from None
    if isinstance(loaded, dict):
        return {key: in_mode(value) for key, value in loaded.items()}
    return [in_mode(value) for value in loaded]


def _legacy_keys(keys):
    """Keys spelled as MXNet 1.x prefixed names (`dense0_weight`), not structural ones (`0.weight`)."""
    return [k for k in keys if '.' not in k and '_' in k]


_CONVERT_HINT = ("the file's keys look like MXNet 1.x prefixed names (such as %r); convert the file to "
                 "structural names with `gluon-codemod convert-params OLD.params NEW.params --model "
                 "FILE.py --build EXPR`")


def save_parameters(block, filename, deduplicate):
    if deduplicate:
        # The last structural name of a shared Parameter wins, as upstream (spec S7.2).
        params = dict(block._named_unique_params(keep='last'))
    else:
        params = block._collect_params_with_prefix()
    # Fused RNN layers are written under the keys stock 1.9.1 uses for them (`_unfused.0.i2h_weight`),
    # so that the file loads in stock 1.9.1 as well; our loading accepts both spellings (spec S7.5).
    stock_key = {canonical: alt for alt, canonical in _alias_map(block).items()}
    arrays = {}
    for key, param in params.items():
        try:
            arrays[stock_key.get(key, key)] = param._reduce()
        except RuntimeError as err:  # DeferredInitializationError included
            # The Parameter's own message only has its uuid name: say which key it is.
            hint = (' Initialize the block (and, for deferred shapes, run one forward pass) '
                    'before save_parameters().' if param._data is None else '')
            raise type(err)("Cannot save '%s': Parameter '%s' could not be read: %s%s"
                            % (filename, key, err, hint)) from err
    save_arrays(filename, arrays)


def load_parameters(block, filename, ctx, allow_missing, ignore_extra, cast_dtype,
                    dtype_source):
    loaded = load_arrays(filename)
    if not loaded:
        return  # an empty file is not an error (spec S7.3)
    if not isinstance(loaded, dict):
        raise ValueError("'%s' holds %d unnamed arrays; expected a dict of named parameters "
                         "as written by save_parameters()." % (filename, len(loaded)))
    load_dict(block, loaded, ctx, allow_missing, ignore_extra, cast_dtype, dtype_source,
              source='file: %s' % filename)


def _alias_map(block):
    """Alternative full key -> canonical structural key, from `_checkpoint_aliases`."""
    out = {}
    for path, sub in block._walk_blocks():
        for alt, attr in sub._checkpoint_aliases().items():
            out[path + alt] = path + attr
    return out


def _listing(keys):
    keys = list(keys)
    shown = ', '.join(repr(k) for k in keys[:_MAX_LISTED])
    if len(keys) > _MAX_LISTED:
        shown += ', ... (%d more)' % (len(keys) - _MAX_LISTED)
    return '[' + shown + ']'


def load_dict(block, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
              cast_dtype=False, dtype_source='current', source='param_dict'):
    if isinstance(param_dict.get('filename'), str):
        source = 'file: %s' % param_dict['filename']
        param_dict = param_dict['params']
    if cast_dtype and dtype_source not in ('current', 'saved'):
        raise ValueError("dtype_source must be 'current' or 'saved', got %r" % (dtype_source,))
    loaded = {}
    for key, value in param_dict.items():
        if key.startswith(('arg:', 'aux:')):
            key = key[4:]
        loaded[key] = in_mode(value) if isinstance(value, ndarray.NDArray) else value
    params = block._collect_params_with_prefix()
    aliases = _alias_map(block)

    resolved, extra = {}, []
    for key, value in loaded.items():
        if key in params:
            resolved[key] = value
        elif key in aliases and aliases[key] in params:
            # the canonical spelling wins when a file holds both
            resolved.setdefault(aliases[key], value)
        else:
            extra.append(key)
    # A Parameter is missing when none of its structural names is in the file (spec S7.4).
    present = {id(params[key]) for key in resolved}
    missing = [key for key, param in block._named_unique_params() if id(param) not in present]
    wanted_ctx = [ctx] if isinstance(ctx, Context) else ctx
    mismatched = []
    for key, value in resolved.items():
        param = params[key]
        problem = param._load_problem(value, cast_dtype)
        if not problem and wanted_ctx is not None and (param._data is not None
                                                       or param._deferred_init):
            if set(wanted_ctx) != set(param.list_ctx()):
                problem = LoadProblem('ctx', 'it lives on %s, not on the requested ctx %s '
                                             '(pass ctx=None or call reset_ctx first)'
                                      % (param.list_ctx(), wanted_ctx))
        if problem:
            mismatched.append((key, problem))
    kinds = {problem.kind for _, problem in mismatched}

    lines = []
    if missing and not allow_missing:
        lines += ["Parameter '%s' is missing in '%s'." % (key, source) for key in missing]
    if extra and not ignore_extra:
        lines += ["Parameter '%s' loaded from '%s' is not present in the model." % (key, source)
                  for key in extra]
    lines += ["Parameter '%s': %s." % (key, problem.message) for key, problem in mismatched]
    if lines:
        raise ParameterLoadError(_explain(block, source, lines, missing, extra, kinds,
                                          allow_missing, ignore_extra, loaded, params))
    if loaded and params and not resolved:
        legacy = _legacy_keys(extra)
        warnings.warn('No key of %s matches a parameter of %s: nothing was loaded%s.'
                      % (source, type(block).__name__,
                         ('; ' + _CONVERT_HINT % legacy[0]) if legacy else ''), stacklevel=3)

    for key, value in resolved.items():
        params[key]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


def _explain(block, source, lines, missing, extra, kinds, allow_missing, ignore_extra,
             loaded, params):
    """The error text: every problem, what the file holds and the model expects, one fix per
    kind of problem found (`kinds`: the LoadProblem kinds)."""
    fixes = []
    legacy = _legacy_keys(extra)
    if legacy and len(legacy) * 2 >= len(extra):
        fixes.append(_CONVERT_HINT % legacy[0])
    if missing and not allow_missing:
        fixes.append('pass allow_missing=True to keep the missing parameters as they are')
    if extra and not ignore_extra:
        fixes.append('pass ignore_extra=True to skip the keys the model does not have')
    if 'dtype' in kinds:
        fixes.append('pass cast_dtype=True to convert dtypes')
    if 'ctx' in kinds:
        fixes.append('pass ctx=None to load onto the contexts the parameters already live on, '
                     'or call reset_ctx(ctx) before loading')
    if 'shape' in kinds:
        fixes.append('shape mismatches mean the checkpoint is for a different architecture '
                     '(check layer sizes)')
    return ('Cannot load %s into %s (%d problem(s)):\n  %s\nThe file contains %s; the model '
            'expects %s.\nTo fix: %s.'
            % (source, type(block).__name__, len(lines), '\n  '.join(lines),
               _listing(loaded), _listing(params), '; '.join(fixes)))
