"""Assemble and check the bundled Whisper model (or check WHISPER_MODEL) and print its folder."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interviews.transcription import ModelUnavailable, bundled_model_path


class Command(BaseCommand):
    help = "Assemble the bundled Whisper base model once (checked against its sha256) and print its folder."

    def handle(self, *args, **options):
        if settings.WHISPER_MODEL:
            self.stdout.write(settings.WHISPER_MODEL)
            return
        try:
            self.stdout.write(str(bundled_model_path()))
        except ModelUnavailable as error:
            raise CommandError(str(error)) from None
