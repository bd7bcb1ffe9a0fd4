# The textbook's web server project (Kurose & Ross, chapter 2 assignment 1), completed: one
# request at a time; the file named in the request line is sent after a status line, or 404.
# Files are read as bytes, so images and other binary files arrive exactly. The port may be
# given on the command line (the textbook's is 6789).
import sys
from socket import *

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 6789
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(5)
print('Ready to serve...', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    try:
        message = connectionSocket.recv(1024).decode()
        filename = message.split()[1]
        with open(filename[1:], 'rb') as f:
            outputdata = f.read()
        connectionSocket.send(b'HTTP/1.1 200 OK\r\n\r\n')
        connectionSocket.sendall(outputdata)
    except (IOError, IndexError):
        connectionSocket.send(b'HTTP/1.1 404 Not Found\r\n\r\n<html><body><h1>404 Not Found</h1></body></html>')
    connectionSocket.close()
