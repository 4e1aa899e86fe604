from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def import_page(request):
    return HttpResponse("registry import: under construction")
