from rest_framework import generics

from accounts import services
from accounts.api.serializers import MeSerializer


class MeView(generics.RetrieveUpdateAPIView):
    """GET and PATCH the signed-in user's profile."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            user=serializer.instance, data=serializer.validated_data
        )
