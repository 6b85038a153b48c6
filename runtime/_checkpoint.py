"""Saving and loading Block parameters by structural name (MXNet NDArray file format)."""
import warnings
from dataclasses import dataclass, field

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


@dataclass
class _Match:
    """How the keys of a checkpoint meet the parameters of a model."""

    loaded: dict  # the checkpoint's key (without an `arg:`/`aux:` prefix) -> array
    params: dict  # every structural key of the model -> Parameter
    resolved: dict = field(default_factory=dict)  # the model's key -> the array to load into it
    extra: list = field(default_factory=list)  # the checkpoint's keys the model does not have
    missing: list = field(default_factory=list)  # the model's keys that no checkpoint key fills
    mismatched: list = field(default_factory=list)  # (the model's key, LoadProblem)

    @property
    def kinds(self):
        """The kinds of LoadProblem found (`'dtype'`, `'ctx'`, `'shape'`, ...)."""
        return {problem.kind for _, problem in self.mismatched}


def load_dict(block, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
              cast_dtype=False, dtype_source='current', source='param_dict'):
    if isinstance(param_dict.get('filename'), str):
        source = 'file: %s' % param_dict['filename']
        param_dict = param_dict['params']
    if cast_dtype and dtype_source not in ('current', 'saved'):
        raise ValueError("dtype_source must be 'current' or 'saved', got %r" % (dtype_source,))
    match = _Match(_without_arg_aux(param_dict), block._collect_params_with_prefix())
    _resolve_keys(match, _alias_map(block))
    _find_missing(match, block)
    _find_mismatched(match, ctx, cast_dtype)

    lines = _problem_lines(match, source, allow_missing=allow_missing, ignore_extra=ignore_extra)
    if lines:
        raise ParameterLoadError(_explain(block, source, match, lines,
                                          allow_missing=allow_missing, ignore_extra=ignore_extra))
    if match.loaded and match.params and not match.resolved:
        legacy = _legacy_keys(match.extra)
        warnings.warn('No key of %s matches a parameter of %s: nothing was loaded%s.'
                      % (source, type(block).__name__,
                         ('; ' + _CONVERT_HINT % legacy[0]) if legacy else ''), stacklevel=3)

    for key, value in match.resolved.items():
        match.params[key]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


def _without_arg_aux(param_dict):
    """The arrays of `param_dict` in the current mode, keys without the `arg:`/`aux:` prefix of
    symbol-exported files."""
    loaded = {}
    for key, value in param_dict.items():
        if key.startswith(('arg:', 'aux:')):
            key = key[4:]
        loaded[key] = in_mode(value) if isinstance(value, ndarray.NDArray) else value
    return loaded


def _resolve_keys(match, aliases):
    """Each checkpoint key to the model key it fills (directly or through an alias), or to `extra`."""
    for key, value in match.loaded.items():
        if key in match.params:
            match.resolved[key] = value
        elif key in aliases and aliases[key] in match.params:
            # the canonical spelling wins when a file holds both
            match.resolved.setdefault(aliases[key], value)
        else:
            match.extra.append(key)


def _find_missing(match, block):
    # A Parameter is missing when none of its structural names is in the file (spec S7.4).
    present = {id(match.params[key]) for key in match.resolved}
    match.missing = [key for key, param in block._named_unique_params() if id(param) not in present]


def _find_mismatched(match, ctx, cast_dtype):
    """Every resolved key whose array does not fit its Parameter (shape, dtype, ...) or whose
    Parameter lives elsewhere than the requested `ctx`."""
    wanted_ctx = [ctx] if isinstance(ctx, Context) else ctx
    for key, value in match.resolved.items():
        param = match.params[key]
        problem = param._load_problem(value, cast_dtype) or _ctx_problem(param, wanted_ctx)
        if problem:
            match.mismatched.append((key, problem))


def _ctx_problem(param, wanted_ctx):
    """A LoadProblem when `param` already lives (or will be initialized) on other contexts than `wanted_ctx`."""
    if wanted_ctx is None or (param._data is None and not param._deferred_init):
        return None
    if set(wanted_ctx) == set(param.list_ctx()):
        return None
    return LoadProblem('ctx', 'it lives on %s, not on the requested ctx %s '
                              '(pass ctx=None or call reset_ctx first)' % (param.list_ctx(), wanted_ctx))


def _problem_lines(match, source, *, allow_missing, ignore_extra):
    """One line per problem that stops the load; none when it can go ahead."""
    lines = []
    if match.missing and not allow_missing:
        lines += ["Parameter '%s' is missing in '%s'." % (key, source) for key in match.missing]
    if match.extra and not ignore_extra:
        lines += ["Parameter '%s' loaded from '%s' is not present in the model." % (key, source)
                  for key in match.extra]
    lines += ["Parameter '%s': %s." % (key, problem.message) for key, problem in match.mismatched]
    return lines


def _explain(block, source, match, lines, *, allow_missing, ignore_extra):
    """The error text: every problem (`lines`), what the file holds and the model expects, one fix
    per kind of problem found."""
    return ('Cannot load %s into %s (%d problem(s)):\n  %s\nThe file contains %s; the model '
            'expects %s.\nTo fix: %s.'
            % (source, type(block).__name__, len(lines), '\n  '.join(lines),
               _listing(match.loaded), _listing(match.params),
               '; '.join(_fixes(match, allow_missing=allow_missing, ignore_extra=ignore_extra))))


def _fixes(match, *, allow_missing, ignore_extra):
    fixes = []
    legacy = _legacy_keys(match.extra)
    if legacy and len(legacy) * 2 >= len(match.extra):
        fixes.append(_CONVERT_HINT % legacy[0])
    if match.missing and not allow_missing:
        fixes.append('pass allow_missing=True to keep the missing parameters as they are')
    if match.extra and not ignore_extra:
        fixes.append('pass ignore_extra=True to skip the keys the model does not have')
    kinds = match.kinds
    if 'dtype' in kinds:
        fixes.append('pass cast_dtype=True to convert dtypes')
    if 'ctx' in kinds:
        fixes.append('pass ctx=None to load onto the contexts the parameters already live on, '
                     'or call reset_ctx(ctx) before loading')
    if 'shape' in kinds:
        fixes.append('shape mismatches mean the checkpoint is for a different architecture '
                     '(check layer sizes)')
    return fixes
