"""Saving and loading Block parameters by structural name (MXNet NDArray file format)."""
import warnings

from mxnet import ndarray
from mxnet.base import MXNetError
from mxnet.context import Context
from mxnet.util import is_np_array

_MAX_LISTED = 20


class ParameterLoadError(ValueError, AssertionError):
    """A checkpoint does not fit the model; the message lists every offending key.

    Subclasses both ValueError and AssertionError so that code written against either of
    the 1.x failure types (missing keys: AssertionError, extra keys: ValueError) still works.
    """


def _save(filename, arrays):
    if is_np_array():
        from mxnet import npx
        npx.save(filename, arrays)
    else:
        ndarray.save(filename, arrays)


def _load(filename):
    try:
        if is_np_array():
            from mxnet import npx
            return npx.load(filename)
        return ndarray.load(filename)
    except MXNetError as err:
        # MXNet's own message names neither the file nor what is wrong with it
        lines = [line for line in str(err).splitlines() if line.strip()]
        raise MXNetError("Cannot load '%s': not a readable parameter file (missing, truncated or "
                         "corrupt): %s" % (filename, lines[-1] if lines else type(err).__name__)) from None


def _legacy_keys(keys):
    """Keys spelled as MXNet 1.x prefixed names (`dense0_weight`), not structural ones (`0.weight`)."""
    return [k for k in keys if '.' not in k and '_' in k]


_CONVERT_HINT = ("the file's keys look like MXNet 1.x prefixed names (such as %r); convert the file to "
                 "structural names with `gluon-codemod convert-params OLD.params NEW.params --model "
                 "FILE.py --build EXPR`")


def save_parameters(block, filename, deduplicate):
    params = block._collect_params_with_prefix()
    if deduplicate:
        # The last structural name of a shared Parameter wins, as upstream (spec S7.2).
        last_name = {id(p): key for key, p in params.items()}
        params = {key: p for key, p in params.items() if last_name[id(p)] == key}
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
    _save(filename, arrays)


def load_parameters(block, filename, ctx, allow_missing, ignore_extra, cast_dtype,
                    dtype_source):
    loaded = _load(filename)
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
        loaded[key] = value
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
    present = {id(params[key]) for key in resolved}
    missing, reported = [], set()
    for key, param in params.items():
        if id(param) not in present and id(param) not in reported:
            reported.add(id(param))
            missing.append(key)
    wanted_ctx = [ctx] if isinstance(ctx, Context) else ctx
    mismatched = []
    for key, value in resolved.items():
        param = params[key]
        problem = param._load_problem(value, cast_dtype)
        if not problem and wanted_ctx is not None and (param._data is not None
                                                       or param._deferred_init):
            if set(wanted_ctx) != set(param.list_ctx()):
                problem = ('it lives on %s, not on the requested ctx %s (pass ctx=None or '
                           'call reset_ctx first)' % (param.list_ctx(), wanted_ctx))
        if problem:
            mismatched.append((key, problem))

    lines = []
    if missing and not allow_missing:
        lines += ["Parameter '%s' is missing in '%s'." % (key, source) for key in missing]
    if extra and not ignore_extra:
        lines += ["Parameter '%s' loaded from '%s' is not present in the model." % (key, source)
                  for key in extra]
    lines += ["Parameter '%s': %s." % (key, problem) for key, problem in mismatched]
    if lines:
        raise ParameterLoadError(_explain(block, source, lines, missing, extra, mismatched,
                                          allow_missing, ignore_extra, loaded, params))
    if loaded and params and not resolved:
        legacy = _legacy_keys(extra)
        warnings.warn('No key of %s matches a parameter of %s: nothing was loaded%s.'
                      % (source, type(block).__name__,
                         ('; ' + _CONVERT_HINT % legacy[0]) if legacy else ''), stacklevel=3)

    for key, value in resolved.items():
        params[key]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


def _explain(block, source, lines, missing, extra, mismatched, allow_missing, ignore_extra,
             loaded, params):
    fixes = []
    legacy = _legacy_keys(extra)
    if legacy and len(legacy) * 2 >= len(extra):
        fixes.append(_CONVERT_HINT % legacy[0])
    if missing and not allow_missing:
        fixes.append('pass allow_missing=True to keep the missing parameters as they are')
    if extra and not ignore_extra:
        fixes.append('pass ignore_extra=True to skip the keys the model does not have')
    if any('dtype' in problem for _, problem in mismatched):
        fixes.append('pass cast_dtype=True to convert dtypes')
    if any('requested ctx' in problem for _, problem in mismatched):
        fixes.append('pass ctx=None to load onto the contexts the parameters already live on, '
                     'or call reset_ctx(ctx) before loading')
    if any('shape' in problem for _, problem in mismatched):
        fixes.append('shape mismatches mean the checkpoint is for a different architecture '
                     '(check layer sizes)')
    return ('Cannot load %s into %s (%d problem(s)):\n  %s\nThe file contains %s; the model '
            'expects %s.\nTo fix: %s.'
            % (source, type(block).__name__, len(lines), '\n  '.join(lines),
               _listing(loaded), _listing(params), '; '.join(fixes)))
