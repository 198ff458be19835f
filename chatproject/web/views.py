"""Server-rendered pages. They read through selectors and write through services only."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from threads.selectors import thread_list_for_user


@login_required
def home(request):
    threads = (
        thread_list_for_user(user=request.user)
        .order_by("-last_message_at", "-created_at")
        .only("id", "kind", "title", "last_message_at", "created_at")[:50]
    )
    return render(request, "home.html", {"threads": threads})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
