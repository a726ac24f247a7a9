"""DRF authentication classes for the ways API clients identify themselves."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth headless `X-Session-Token`, with a challenge so anonymous requests get 401."""

    def authenticate_header(self, request):
        return 'X-Session-Token realm="api"'
