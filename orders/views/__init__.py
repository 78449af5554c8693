"""Order pages, one module per page: check the permission, call a selector or a service, render or
redirect. Settings pages are in settings.py."""
