"""flask_app under an ASGI server: Flask through asgiref's WsgiToAsgi (for uvicorn)."""
from asgiref.wsgi import WsgiToAsgi

from flask_app import app as flask_app

app = WsgiToAsgi(flask_app)
