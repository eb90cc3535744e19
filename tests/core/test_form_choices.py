"""Select fields declare their choices as wtforms.SelectChoice: tuples are deprecated in
WTForms 3.3 (a DeprecationWarning each time a form is built) and go in 3.4."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest
from wtforms import Form, SelectChoice
from wtforms.fields import SelectFieldBase
from wtforms.fields.core import UnboundField

import marketplace


def _form_modules():
    for info in pkgutil.iter_modules(marketplace.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"marketplace.{info.name}.forms")
            except ModuleNotFoundError:
                continue


def _declared_select_fields():
    for module in _form_modules():
        for _, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, Form) or form.__module__ != module.__name__:
                continue
            for name, value in vars(form).items():
                if isinstance(value, UnboundField) and issubclass(value.field_class,
                                                                   SelectFieldBase):
                    yield f"{form.__module__}.{form.__name__}.{name}", value


FIELDS = list(_declared_select_fields())


def test_there_are_select_fields_to_check():
    assert len(FIELDS) >= 5


@pytest.mark.parametrize("name, field", FIELDS, ids=[n for n, _ in FIELDS])
def test_declared_choices_are_select_choices(name, field):
    choices = field.kwargs.get("choices")
    if choices is None:
        return  # set per form in __init__
    assert all(isinstance(c, SelectChoice) for c in choices), name


@pytest.mark.parametrize("name, field", FIELDS, ids=[n for n, _ in FIELDS])
def test_building_the_field_raises_no_wtforms_deprecation(name, field):
    class One(Form):
        pass

    One.f = field
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=DeprecationWarning, module="wtforms")
        warnings.filterwarnings("error", category=DeprecationWarning,
                                message=".*SelectChoice.*")
        One()
