"""System checks: every configuration mistake is reported before the first request.

The IDs are numbered by area, so a project can silence one in ``SILENCED_SYSTEM_CHECKS``
and a reader can tell from the number where to look:

========  ==============================================================  ===================
IDs       area                                                            module
========  ==============================================================  ===================
E001-019  the ``CAPTCHA_GUARD`` dict itself (types, ranges, dotted paths)  ``checks.settings``
E020-029  the store and the rate limit against the project's sessions,    ``checks.stores`` and
W020-029  caches, databases and process count                             each store's
                                                                          ``check()``
E030-039  how the app is wired in: URLs, templates, middleware, admin     ``checks.integration``
E040-049  the picture: difficulty, palette, fonts                         ``checks.picture``
E050-059  the cost layers: PROGRESSIVE, PROOF_OF_WORK                     ``checks.settings``,
                                                                          ``checks.structure``
========  ==============================================================  ===================

Warnings that only matter in production (a per-process store or counter, no rate limit)
are deployment checks: ``manage.py check --deploy`` reports them. Whatever would switch
protection off is also refused at run time, because servers such as gunicorn never run
checks.
"""
