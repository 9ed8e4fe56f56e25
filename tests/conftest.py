"""Shared test data: one row per optimizer with settings that converge."""

import optlib as ol

# (id, factory) with hyperparameters that make steady progress on the ravine
# problem in a few hundred steps; used by the generic contract tests.
OPTIMIZERS = [
    ("GD", lambda lr=0.1: ol.GD(lr=lr)),
    ("Momentum-velocity", lambda lr=0.05: ol.Momentum(lr=lr, momentum=0.8)),
    ("Momentum-buffer", lambda lr=0.05: ol.Momentum(lr=lr, momentum=0.8, form="buffer")),
    ("Nesterov", lambda lr=0.05: ol.Nesterov(lr=lr, momentum=0.8)),
    ("SignGD", lambda lr=0.01: ol.SignGD(lr=lr)),
    ("Rprop", lambda lr=0.1: ol.Rprop(lr=lr)),
    ("IRpropMinus", lambda lr=0.1: ol.IRpropMinus(lr=lr)),
    ("Adagrad", lambda lr=0.5: ol.Adagrad(lr=lr)),
    ("Adagrad-inside", lambda lr=0.5: ol.Adagrad(lr=lr, eps_inside_sqrt=True)),
    ("RMSprop", lambda lr=0.02: ol.RMSprop(lr=lr)),
    ("RMSprop-centered", lambda lr=0.02: ol.RMSprop(lr=lr, centered=True, eps=1e-4)),
    ("Adadelta", lambda lr=1.0: ol.Adadelta(lr=lr, rho=0.99, eps=1e-3)),
    ("Adam", lambda lr=0.05: ol.Adam(lr=lr)),
    ("Adam-no-bc", lambda lr=0.05: ol.Adam(lr=lr, bias_correction=False)),
    ("AdaMax", lambda lr=0.05: ol.AdaMax(lr=lr)),
    ("Nadam", lambda lr=0.05: ol.Nadam(lr=lr)),
    ("Nadam-constant", lambda lr=0.05: ol.Nadam(lr=lr, momentum_decay=None)),
    ("AMSGrad", lambda lr=0.05: ol.AMSGrad(lr=lr)),
    ("AMSGrad-Reddi", lambda lr=0.05: ol.AMSGrad(lr=lr, bias_correction=False)),
]
IDS = [name for name, _ in OPTIMIZERS]
FACTORIES = [factory for _, factory in OPTIMIZERS]
