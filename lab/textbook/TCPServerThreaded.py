# The textbook's TCPServer.py made concurrent (Kurose & Ross, 2.7.2: "a thread for each
# client"): the welcome socket only accepts; each connection socket is served by its own thread,
# so a client still typing does not hold up the others. The port may be given on the command line.
import sys
import threading
from socket import *

def serve(connectionSocket):
    sentence = connectionSocket.recv(1024).decode()
    connectionSocket.send(sentence.upper().encode())
    connectionSocket.close()

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(5)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    threading.Thread(target=serve, args=(connectionSocket,), daemon=True).start()
