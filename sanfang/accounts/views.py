from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import scope


@login_required
def home(request):
    """Where every role lands: its seats, each with the place it opens."""
    seats = scope.seats_of(request.user)
    return render(request, "accounts/home.html", {"seats": seats})
